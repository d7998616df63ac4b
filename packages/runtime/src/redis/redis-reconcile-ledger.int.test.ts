import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisReconcileLedger } from "./redis-reconcile-ledger.js";
import { taskRunKeys } from "./task-run-keys.js";

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

describe("the reconcile lock and verified stamps in real Redis", () => {
  let redis: Redis;
  const prefix = `{ar-reconcile-${randomBytes(5).toString("hex")}}`;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    // The only keys these tests write.
    await redis.del(taskRunKeys.reconcileLock(prefix), taskRunKeys.reconcileVerified(prefix));
  });

  afterAll(() => {
    redis.disconnect();
  });

  it("gives the lock to one owner at a time, and keeps it for the rest of the interval after a sweep", async () => {
    const ledger = new RedisReconcileLedger(redis, prefix);
    expect(await ledger.tryLock("a", 60_000)).toBe(true);
    expect(await ledger.tryLock("b", 60_000)).toBe(false);
    await ledger.releaseAfter("a", 5_000);
    const ttl = await redis.pttl(taskRunKeys.reconcileLock(prefix));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
    expect(await ledger.tryLock("b", 60_000)).toBe(false);
    await ledger.releaseAfter("a", 0);
    expect(await ledger.tryLock("b", 60_000)).toBe(true);
  });

  it("leaves a lock another owner took alone", async () => {
    const ledger = new RedisReconcileLedger(redis, prefix);
    expect(await ledger.tryLock("b", 60_000)).toBe(true);
    await ledger.releaseAfter("a", 0);
    expect(await redis.get(taskRunKeys.reconcileLock(prefix))).toBe("b");
  });

  it("remembers a task's verified stamp", async () => {
    const ledger = new RedisReconcileLedger(redis, prefix);
    expect(await ledger.verified("task-1")).toBeUndefined();
    await ledger.markVerified("task-1", "2026-01-01T00:00:00Z|1|url");
    expect(await ledger.verified("task-1")).toBe("2026-01-01T00:00:00Z|1|url");
  });
});
