import { taskJobSchema, type FollowUpBacklog, type TaskJob } from "@agent-runner/core";
import type { RedisConnection } from "./create-redis-connection.js";
import { TASK_RUN_TTL_SECONDS, taskRunKeys } from "./task-run-keys.js";

/**
 * Follow-up backlogs in Redis: a list per task (oldest first) and a set of the
 * tasks that have one, each command on one key (cluster-safe). Entries are
 * parsed with the job schema on the way out: Redis is a trust boundary.
 */
export class RedisFollowUpBacklog implements FollowUpBacklog {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async add(job: TaskJob): Promise<void> {
    const key = taskRunKeys.followUps(this.prefix, job.taskId);
    await this.redis.rpush(key, JSON.stringify(job));
    await this.redis.expire(key, TASK_RUN_TTL_SECONDS);
    await this.redis.sadd(taskRunKeys.followUpTasks(this.prefix), job.taskId);
  }

  async tasks(): Promise<string[]> {
    return this.redis.smembers(taskRunKeys.followUpTasks(this.prefix));
  }

  async head(taskId: string): Promise<TaskJob | undefined> {
    const raw = await this.redis.lindex(taskRunKeys.followUps(this.prefix, taskId), 0);
    if (raw === null) {
      await this.forgetIfEmpty(taskId);
      return undefined;
    }
    const parsed = parseJob(raw);
    // An entry that does not parse is dropped: it would block the task's backlog for good.
    if (parsed === undefined || parsed.taskId !== taskId) {
      await this.shift(taskId);
      return this.head(taskId);
    }
    return parsed;
  }

  async replaceHead(taskId: string, job: TaskJob): Promise<void> {
    await this.redis.lset(taskRunKeys.followUps(this.prefix, taskId), 0, JSON.stringify(job));
  }

  async shift(taskId: string): Promise<void> {
    await this.redis.lpop(taskRunKeys.followUps(this.prefix, taskId));
    await this.forgetIfEmpty(taskId);
  }

  async drop(taskId: string): Promise<void> {
    await this.redis.del(taskRunKeys.followUps(this.prefix, taskId));
    await this.redis.srem(taskRunKeys.followUpTasks(this.prefix), taskId);
  }

  async lock(taskId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(taskRunKeys.followUpLock(this.prefix, taskId), "1", "PX", ttlMs, "NX")) === "OK";
  }

  async unlock(taskId: string): Promise<void> {
    await this.redis.del(taskRunKeys.followUpLock(this.prefix, taskId));
  }

  /** Takes a task out of the set once its list is empty; a follow-up added meanwhile puts it back. */
  private async forgetIfEmpty(taskId: string): Promise<void> {
    const key = taskRunKeys.followUps(this.prefix, taskId);
    if ((await this.redis.llen(key)) > 0) return;
    await this.redis.srem(taskRunKeys.followUpTasks(this.prefix), taskId);
    if ((await this.redis.llen(key)) > 0) await this.redis.sadd(taskRunKeys.followUpTasks(this.prefix), taskId);
  }
}

function parseJob(raw: string): TaskJob | undefined {
  try {
    const parsed = taskJobSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
