import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TaskJob } from "@agent-runner/core";
import { RedisFollowUpBacklog } from "./redis-follow-up-backlog.js";
import { RedisTaskRuns } from "./redis-task-runs.js";
import { taskRunKeys } from "./task-run-keys.js";

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

function followUp(taskId: string, commentId: number): TaskJob {
  return {
    version: 1,
    taskId,
    dispatchRepo: "acme/dispatch",
    issueNumber: 3,
    issueTitle: "t",
    issueUrl: "u",
    instruction: "i",
    targetRepo: "acme/target",
    enqueuedAt: "2026-01-01T00:00:00.000Z",
    followUp: { commentId, pull: 4, text: `follow-up ${commentId}`, url: "https://github.example/c" },
  };
}

describe("follow-up backlogs in real Redis", () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    // The only keys these tests write.
    await redis.del(
      taskRunKeys.followUps(prefix, "task-1"),
      taskRunKeys.followUps(prefix, "task-2"),
      taskRunKeys.followUpTasks(prefix),
      taskRunKeys.followUpLock(prefix, "task-1"),
      taskRunKeys.targets(prefix),
    );
  });

  afterAll(() => {
    redis.disconnect();
  });

  function freshPrefix(): string {
    prefix = `{ar-follow-ups-${randomBytes(5).toString("hex")}}`;
    return prefix;
  }

  it("keeps each task's follow-ups in order, records a run on the oldest and forgets a task once its backlog is empty", async () => {
    const backlog = new RedisFollowUpBacklog(redis, freshPrefix());
    await backlog.add(followUp("task-1", 1));
    await backlog.add(followUp("task-1", 2));
    await backlog.add(followUp("task-2", 3));
    expect((await backlog.tasks()).sort()).toEqual(["task-1", "task-2"]);
    expect((await backlog.head("task-1"))?.followUp?.commentId).toBe(1);
    await backlog.replaceHead("task-1", { ...followUp("task-1", 1), run: 2 });
    expect((await backlog.head("task-1"))?.run).toBe(2);
    await backlog.shift("task-1");
    expect((await backlog.head("task-1"))?.followUp?.commentId).toBe(2);
    await backlog.shift("task-1");
    expect(await backlog.head("task-1")).toBeUndefined();
    await backlog.drop("task-2");
    expect(await backlog.tasks()).toEqual([]);
  });

  it("skips an entry that does not parse as a job, so it cannot block the backlog", async () => {
    const backlog = new RedisFollowUpBacklog(redis, freshPrefix());
    await redis.rpush(taskRunKeys.followUps(prefix, "task-1"), "{not json", JSON.stringify({ ...followUp("task-2", 5) }));
    await backlog.add(followUp("task-1", 6));
    expect((await backlog.head("task-1"))?.followUp?.commentId).toBe(6);
  });

  it("lets one poller at a time hold a task's backlog", async () => {
    const backlog = new RedisFollowUpBacklog(redis, freshPrefix());
    expect(await backlog.lock("task-1", 5_000)).toBe(true);
    expect(await backlog.lock("task-1", 5_000)).toBe(false);
    await backlog.unlock("task-1");
    expect(await backlog.lock("task-1", 5_000)).toBe(true);
  });

  it("reads every task's target repository at once", async () => {
    const runs = new RedisTaskRuns(redis, freshPrefix());
    await runs.setTarget("task-1", "acme/web");
    await runs.setTarget("task-2", "acme/api");
    expect(await runs.targets()).toEqual(new Map([["task-1", "acme/web"], ["task-2", "acme/api"]]));
  });
});
