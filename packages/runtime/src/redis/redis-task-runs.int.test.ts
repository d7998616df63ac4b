import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisCancellationLedger, RedisTaskRuns } from "./redis-task-runs.js";
import { TASK_RUN_TTL_SECONDS, taskRunKeys } from "./task-run-keys.js";

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

describe("task runs and cancel flags in real Redis", () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    // The only keys these tests write.
    await redis.del(taskRunKeys.run(prefix, "task-1"), taskRunKeys.tracked(prefix), taskRunKeys.targets(prefix), taskRunKeys.cancelled(prefix, "task-1#2"));
  });

  afterAll(() => {
    redis.disconnect();
  });

  function freshPrefix(): string {
    prefix = `{ar-runs-${randomBytes(5).toString("hex")}}`;
    return prefix;
  }

  it("counts runs from 1, and two pollers starting a new run at once get different ones", async () => {
    const runs = new RedisTaskRuns(redis, freshPrefix());
    expect(await runs.current("task-1")).toBe(1);
    const [a, b] = await Promise.all([runs.next("task-1"), runs.next("task-1")]);
    expect(new Set([a, b])).toEqual(new Set([2, 3]));
    expect(await runs.current("task-1")).toBe(3);
    expect(await redis.ttl(taskRunKeys.run(prefix, "task-1"))).toBeGreaterThan(TASK_RUN_TTL_SECONDS - 60);
  });

  it("tracks tasks by issue and forgets them one at a time", async () => {
    const runs = new RedisTaskRuns(redis, freshPrefix());
    await runs.track("task-1", 7);
    await runs.track("task-2", 8);
    expect(await runs.tracked()).toEqual(new Map([["task-1", 7], ["task-2", 8]]));
    await runs.untrack("task-2");
    expect(await runs.tracked()).toEqual(new Map([["task-1", 7]]));
  });

  it("remembers each task's target repository, where its PR lives", async () => {
    const runs = new RedisTaskRuns(redis, freshPrefix());
    expect(await runs.target("task-1")).toBeUndefined();
    await runs.setTarget("task-1", "acme/target");
    expect(await runs.target("task-1")).toBe("acme/target");
  });

  it("flags one run cancelled without touching the task's other runs", async () => {
    const cancels = new RedisCancellationLedger(redis, freshPrefix());
    await cancels.cancel("task-1#2");
    expect(await cancels.isCancelled("task-1#2")).toBe(true);
    expect(await cancels.isCancelled("task-1")).toBe(false);
    expect(await redis.ttl(taskRunKeys.cancelled(prefix, "task-1#2"))).toBeGreaterThan(TASK_RUN_TTL_SECONDS - 60);
  });
});
