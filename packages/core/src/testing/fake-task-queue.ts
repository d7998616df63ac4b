import { jobIdForRun } from "../task/task-id.js";
import type { TaskJob } from "../task/task-job.js";
import type { CancelResult, EnqueueResult, JobPhase, QueueState, TaskQueue } from "../ports/task-queue.js";

/** In-memory TaskQueue keeping BullMQ's one-job-per-id rule; `jobs` is keyed by job id. */
export class FakeTaskQueue implements TaskQueue {
  readonly jobs = new Map<string, TaskJob>();
  /** Job ids a worker holds: `cancel` reports them active. */
  readonly active = new Set<string>();
  /** Job ids that ran to their end. */
  readonly finished = new Set<string>();

  async enqueue(tasks: readonly TaskJob[]): Promise<EnqueueResult> {
    const added: string[] = [];
    const duplicates: string[] = [];
    for (const task of tasks) {
      const jobId = jobIdForRun(task.taskId, task.run ?? 1);
      if (this.jobs.has(jobId) || this.finished.has(jobId)) duplicates.push(task.taskId);
      else {
        this.jobs.set(jobId, task);
        added.push(task.taskId);
      }
    }
    return { added, duplicates };
  }

  async cancel(jobId: string): Promise<CancelResult> {
    if (this.active.has(jobId)) return "active";
    if (this.finished.has(jobId)) return "finished";
    return this.jobs.delete(jobId) ? "removed" : "missing";
  }

  async phase(jobId: string): Promise<JobPhase> {
    if (this.active.has(jobId)) return "active";
    if (this.finished.has(jobId)) return "finished";
    return this.jobs.has(jobId) ? "pending" : "missing";
  }

  async counts(): Promise<Record<QueueState, number>> {
    return { waiting: this.jobs.size, active: 0, delayed: 0, failed: 0, completed: 0, prioritized: 0, paused: 0 };
  }

  async oldestWaitingAgeSeconds(): Promise<number> {
    return 0;
  }
}
