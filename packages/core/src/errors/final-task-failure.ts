/**
 * A failure after which the job runs no more: the worker decided so once
 * (`willRetry` said no: a permanent failure, the last attempt, a cancelled
 * run), reported it accordingly, and throws this around the task's own error.
 * The queue adapter only translates it into its library's "do not retry"
 * signal and never judges the error again, so the two cannot disagree. Any
 * other error a processor throws is retried while attempts remain.
 */
export class FinalTaskFailure extends Error {
  constructor(
    /** What the task failed with, as the worker logged and reported it. */
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "FinalTaskFailure";
  }
}
