import type { CancellationLedger, TaskRuns } from "@agent-runner/core";
import type { RedisConnection } from "./create-redis-connection.js";
import { TASK_RUN_TTL_SECONDS, taskRunKeys } from "./task-run-keys.js";

/** Task runs in Redis beside the queue: shared by poller replicas, they survive restarts. */
export class RedisTaskRuns implements TaskRuns {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async current(taskId: string): Promise<number> {
    const value = await this.redis.get(taskRunKeys.run(this.prefix, taskId));
    const run = value === null ? 1 : Number.parseInt(value, 10);
    return Number.isSafeInteger(run) && run >= 1 ? run : 1;
  }

  async next(taskId: string): Promise<number> {
    const key = taskRunKeys.run(this.prefix, taskId);
    // An absent key is run 1: the first INCR must land on 2.
    await this.redis.set(key, "1", "EX", TASK_RUN_TTL_SECONDS, "NX");
    const run = await this.redis.incr(key);
    await this.redis.expire(key, TASK_RUN_TTL_SECONDS);
    return run;
  }

  async track(taskId: string, issueNumber: number): Promise<void> {
    await this.redis.hset(taskRunKeys.tracked(this.prefix), taskId, String(issueNumber));
  }

  async tracked(): Promise<ReadonlyMap<string, number>> {
    const all = await this.redis.hgetall(taskRunKeys.tracked(this.prefix));
    const tracked = new Map<string, number>();
    for (const [taskId, value] of Object.entries(all)) {
      const issue = Number.parseInt(value, 10);
      if (Number.isSafeInteger(issue) && issue > 0) tracked.set(taskId, issue);
    }
    return tracked;
  }

  async untrack(taskId: string): Promise<void> {
    await this.redis.hdel(taskRunKeys.tracked(this.prefix), taskId);
  }

  async setTarget(taskId: string, targetRepo: string): Promise<void> {
    await this.redis.hset(taskRunKeys.targets(this.prefix), taskId, targetRepo);
  }

  async target(taskId: string): Promise<string | undefined> {
    return (await this.redis.hget(taskRunKeys.targets(this.prefix), taskId)) ?? undefined;
  }

  async targets(): Promise<ReadonlyMap<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(taskRunKeys.targets(this.prefix))));
  }

  async fingerprint(taskId: string): Promise<string | undefined> {
    return (await this.redis.get(taskRunKeys.fingerprint(this.prefix, taskId))) ?? undefined;
  }

  async setFingerprint(taskId: string, fingerprint: string): Promise<void> {
    await this.redis.set(taskRunKeys.fingerprint(this.prefix, taskId), fingerprint, "EX", TASK_RUN_TTL_SECONDS);
  }

  async hold(taskId: string): Promise<void> {
    await this.redis.set(taskRunKeys.held(this.prefix, taskId), "1", "EX", TASK_RUN_TTL_SECONDS);
  }

  async release(taskId: string): Promise<void> {
    await this.redis.del(taskRunKeys.held(this.prefix, taskId));
  }

  async isHeld(taskId: string): Promise<boolean> {
    return (await this.redis.exists(taskRunKeys.held(this.prefix, taskId))) === 1;
  }
}

/** Cancel flags in Redis: the poller sets them, every worker reads them. */
export class RedisCancellationLedger implements CancellationLedger {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async cancel(jobId: string): Promise<void> {
    await this.redis.set(taskRunKeys.cancelled(this.prefix, jobId), "1", "EX", TASK_RUN_TTL_SECONDS);
  }

  async isCancelled(jobId: string): Promise<boolean> {
    return (await this.redis.exists(taskRunKeys.cancelled(this.prefix, jobId))) === 1;
  }
}
