import type { OwnCommentTally } from "@agent-runner/core";
import type { RedisConnection } from "./create-redis-connection.js";
import { TASK_RUN_TTL_SECONDS, taskRunKeys } from "./task-run-keys.js";

/**
 * The runner's own comments per dispatch issue, shared by the workers that
 * write them and the poller that reads them. A key that expired (an issue
 * quiet for 30 days) reads 0: the poller then lists the comments once more.
 */
export class RedisOwnCommentTally implements OwnCommentTally {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async add(issueNumber: number): Promise<void> {
    const key = taskRunKeys.ownComments(this.prefix, issueNumber);
    await this.redis.incr(key);
    await this.redis.expire(key, TASK_RUN_TTL_SECONDS);
  }

  async count(issueNumber: number): Promise<number> {
    const value = await this.redis.get(taskRunKeys.ownComments(this.prefix, issueNumber));
    const count = value === null ? 0 : Number.parseInt(value, 10);
    return Number.isSafeInteger(count) && count > 0 ? count : 0;
  }
}
