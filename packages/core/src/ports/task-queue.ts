import type { TaskJob } from "../task/task-job.js";

export type QueueState = "waiting" | "active" | "delayed" | "failed" | "completed" | "prioritized" | "paused";

export interface EnqueueResult {
  readonly added: readonly string[];
  readonly duplicates: readonly string[];
}

/** Where the poller puts tasks. One job per task id, however often it is offered. */
export interface TaskQueue {
  enqueue(tasks: readonly TaskJob[]): Promise<EnqueueResult>;
  counts(): Promise<Record<QueueState, number>>;
  /** Age in seconds of the oldest job waiting to start (0 when none). */
  oldestWaitingAgeSeconds(): Promise<number>;
  close(): Promise<void>;
}
