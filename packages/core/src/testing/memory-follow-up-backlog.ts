import type { FollowUpBacklog } from "../ports/follow-up-backlog.js";
import type { TaskJob } from "../task/task-job.js";

/** Follow-up backlogs in memory, for unit tests. */
export class MemoryFollowUpBacklog implements FollowUpBacklog {
  readonly backlogs = new Map<string, TaskJob[]>();
  readonly locks = new Set<string>();

  async add(job: TaskJob): Promise<void> {
    this.backlogs.set(job.taskId, [...(this.backlogs.get(job.taskId) ?? []), job]);
  }

  async tasks(): Promise<string[]> {
    return [...this.backlogs.keys()];
  }

  async head(taskId: string): Promise<TaskJob | undefined> {
    return this.backlogs.get(taskId)?.[0];
  }

  async replaceHead(taskId: string, job: TaskJob): Promise<void> {
    const list = this.backlogs.get(taskId);
    if (list !== undefined && list.length > 0) list[0] = job;
  }

  async shift(taskId: string): Promise<void> {
    const rest = (this.backlogs.get(taskId) ?? []).slice(1);
    if (rest.length === 0) this.backlogs.delete(taskId);
    else this.backlogs.set(taskId, rest);
  }

  async drop(taskId: string): Promise<void> {
    this.backlogs.delete(taskId);
  }

  async lock(taskId: string): Promise<boolean> {
    if (this.locks.has(taskId)) return false;
    this.locks.add(taskId);
    return true;
  }

  async unlock(taskId: string): Promise<void> {
    this.locks.delete(taskId);
  }
}
