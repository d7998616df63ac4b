/**
 * The reason a task's AbortSignal fires when the task outlives
 * TASK_TIMEOUT_SECONDS. Whether that is worth another attempt is the
 * operator's call (TASK_RETRY_ON_TIMEOUT), so the error carries it and the
 * classifier reads it: one class, one decision.
 */
export class TaskTimeoutError extends Error {
  readonly reason = "timeout";
  readonly userMessage: string;

  constructor(
    readonly timeoutMs: number,
    readonly retryable = false,
  ) {
    super(`task exceeded its ${Math.round(timeoutMs / 1000)} s timeout`);
    this.name = "TaskTimeoutError";
    this.userMessage = `the task ran longer than its timeout (${this.message})`;
  }
}
