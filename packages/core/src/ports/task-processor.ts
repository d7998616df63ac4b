import type { TaskResult } from "../task/task-result.js";

/** What the worker's processor gets for one attempt at one job, whatever queue library runs it. */
export interface TaskJobContext {
  readonly jobId: string;
  readonly data: unknown;
  /** Attempts that already failed before this one. */
  readonly attemptsMade: number;
  readonly maxAttempts: number;
  /** Aborted when the task times out or the worker is forced to stop. */
  readonly signal: AbortSignal;
}

/**
 * Resolves to the task's result, which the queue stores with the finished job
 * (the reconcile sweep reads it). A FinalTaskFailure says no attempt follows;
 * any other error is retried while attempts remain.
 */
export type TaskProcessor = (context: TaskJobContext) => Promise<TaskResult | void>;
