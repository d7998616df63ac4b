import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PUSH_LEDGER_TTL_SECONDS, RedisPushLedger, pushLedgerKey } from "./redis-push-ledger.js";

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

describe("the push ledger in real Redis", () => {
  let redis: Redis;
  let prefix: string;
  const push = { taskId: "task-1", repo: { owner: "acme", repo: "target" }, branch: "agent-task-task-1", sha: "a".repeat(40) };

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    // The only key these tests write.
    await redis.del(pushLedgerKey(prefix, push.taskId));
  });

  afterAll(() => {
    redis.disconnect();
  });

  function ledger(): RedisPushLedger {
    prefix = `{ar-ledger-${randomBytes(5).toString("hex")}}`;
    return new RedisPushLedger(redis, prefix);
  }

  it("knows a recorded push and nothing else", async () => {
    const pushes = ledger();
    await pushes.record(push);
    expect(await pushes.has(push)).toBe(true);
    expect(await pushes.has({ ...push, sha: "b".repeat(40) })).toBe(false);
    expect(await pushes.has({ ...push, branch: "agent-task-other" })).toBe(false);
    expect(await pushes.has({ ...push, repo: { owner: "acme", repo: "elsewhere" } })).toBe(false);
    expect(await pushes.has({ ...push, taskId: "task-2" })).toBe(false);
  });

  it("matches repository names case-insensitively, as GitHub does", async () => {
    const pushes = ledger();
    await pushes.record(push);
    expect(await pushes.has({ ...push, repo: { owner: "ACME", repo: "Target" } })).toBe(true);
  });

  it("keeps one key per task under the queue prefix, expiring like finished jobs", async () => {
    const pushes = ledger();
    await pushes.record(push);
    await pushes.record({ ...push, sha: "b".repeat(40) });
    expect(await redis.keys(`${prefix}:*`)).toEqual([pushLedgerKey(prefix, "task-1")]);
    const ttl = await redis.ttl(pushLedgerKey(prefix, "task-1"));
    expect(ttl).toBeGreaterThan(PUSH_LEDGER_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(PUSH_LEDGER_TTL_SECONDS);
  });

  it("is shared by every ledger on the same prefix, as by every worker", async () => {
    const pushes = ledger();
    await pushes.record(push);
    expect(await new RedisPushLedger(redis, prefix).has(push)).toBe(true);
    expect(await new RedisPushLedger(redis, `${prefix}-other`).has(push)).toBe(false);
  });
});
