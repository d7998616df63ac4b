import type { ReconcileLedger } from "@agent-runner/core";
import type { RedisConnection } from "./create-redis-connection.js";
import { taskRunKeys } from "./task-run-keys.js";

/** Sets the lock's remaining life (or deletes it) only while `owner` holds it: a lapsed lock another replica took stays theirs. */
const RELEASE_AFTER = `if redis.call("get", KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then return redis.call("pexpire", KEYS[1], ARGV[2]) end
return redis.call("del", KEYS[1])`;

/** The reconcile sweep's lock and verified stamps, beside the task runs. One key per command: cluster-safe. */
export class RedisReconcileLedger implements ReconcileLedger {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async tryLock(owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(taskRunKeys.reconcileLock(this.prefix), owner, "PX", ttlMs, "NX")) === "OK";
  }

  async releaseAfter(owner: string, keepMs: number): Promise<void> {
    await this.redis.eval(RELEASE_AFTER, 1, taskRunKeys.reconcileLock(this.prefix), owner, String(Math.max(0, Math.round(keepMs))));
  }

  async verified(taskId: string): Promise<string | undefined> {
    return (await this.redis.hget(taskRunKeys.reconcileVerified(this.prefix), taskId)) ?? undefined;
  }

  async markVerified(taskId: string, stamp: string): Promise<void> {
    await this.redis.hset(taskRunKeys.reconcileVerified(this.prefix), taskId, stamp);
  }
}
