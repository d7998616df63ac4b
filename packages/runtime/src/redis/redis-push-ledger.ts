import type { PushLedger, PushRecord } from "@agent-runner/core";
import type { RedisConnection } from "./create-redis-connection.js";

/** As long as finished jobs are kept: a task re-run within that time still knows its branch. */
export const PUSH_LEDGER_TTL_SECONDS = 30 * 24 * 3600;

/**
 * The ledger's key layout, in one place: one set per task under the queue
 * prefix, one member per pushed commit. One key per call keeps it cluster-safe.
 */
export function pushLedgerKey(prefix: string, taskId: string): string {
  return `${prefix}:pushes:${taskId}`;
}

function member(push: PushRecord): string {
  return `${push.repo.owner}/${push.repo.repo}`.toLowerCase() + `\n${push.branch}\n${push.sha}`;
}

/** The push ledger in Redis beside the queue: shared by every worker, it survives restarts. */
export class RedisPushLedger implements PushLedger {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async record(push: PushRecord): Promise<void> {
    const key = pushLedgerKey(this.prefix, push.taskId);
    // Each record renews the whole set's life: a task being worked on keeps what it pushed.
    const results = await this.redis.multi().sadd(key, member(push)).expire(key, PUSH_LEDGER_TTL_SECONDS).exec();
    if (results === null) throw new Error("the push ledger transaction was aborted");
    for (const [error] of results) if (error !== null) throw error;
  }

  async has(push: PushRecord): Promise<boolean> {
    return (await this.redis.sismember(pushLedgerKey(this.prefix, push.taskId), member(push))) === 1;
  }
}
