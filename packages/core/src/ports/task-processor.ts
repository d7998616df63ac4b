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

export type TaskProcessor = (context: TaskJobContext) => Promise<void>;
