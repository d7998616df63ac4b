import type { TaskJob } from "../task/task-job.js";
import type { EnqueueResult, QueueState, TaskQueue } from "../ports/task-queue.js";

/** In-memory TaskQueue keeping BullMQ's one-job-per-id rule. */
export class FakeTaskQueue implements TaskQueue {
  readonly jobs = new Map<string, TaskJob>();

  async enqueue(tasks: readonly TaskJob[]): Promise<EnqueueResult> {
    const added: string[] = [];
    const duplicates: string[] = [];
    for (const task of tasks) {
      if (this.jobs.has(task.taskId)) duplicates.push(task.taskId);
      else {
        this.jobs.set(task.taskId, task);
        added.push(task.taskId);
      }
    }
    return { added, duplicates };
  }

  async counts(): Promise<Record<QueueState, number>> {
    return { waiting: this.jobs.size, active: 0, delayed: 0, failed: 0, completed: 0, prioritized: 0, paused: 0 };
  }

  async oldestWaitingAgeSeconds(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}
