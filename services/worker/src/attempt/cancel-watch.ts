import { TaskCancelledError, type CancellationLedger } from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";

/** What the attempt asks before each write to GitHub or push. */
export interface CancelGuard {
  /** Throws TaskCancelledError once this run was cancelled. */
  assertNotCancelled(): Promise<void>;
  /** Whether this run was cancelled, without throwing (read again from the ledger). */
  wasCancelled(): Promise<boolean>;
}

export interface CancelWatchOptions {
  readonly ledger: CancellationLedger;
  readonly jobId: string;
  /** How often the flag is read while the job runs: the longest an agent keeps running after a cancel. */
  readonly intervalMs: number;
  /** The queue's own signal (timeout, forced stop): the watch's signal follows it too. */
  readonly parent: AbortSignal;
  readonly log: Logger;
}

/**
 * Watches one run's cancel flag. BullMQ cannot abort a running job, so the
 * worker reads the flag every few seconds and aborts the attempt's signal,
 * which kills the agent and throws away the workspace; each write also reads
 * the flag first, so nothing is written once the cancel was seen.
 */
export class CancelWatch implements CancelGuard {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: CancelWatchOptions) {
    this.signal = AbortSignal.any([options.parent, this.controller.signal]);
    this.timer = setInterval(() => void this.poll(), options.intervalMs);
    // A watch must never keep a stopping process alive.
    this.timer.unref();
  }

  async assertNotCancelled(): Promise<void> {
    if (await this.wasCancelled()) throw this.cancelled();
  }

  async wasCancelled(): Promise<boolean> {
    if (this.seen()) return true;
    if (!(await this.options.ledger.isCancelled(this.options.jobId))) return false;
    this.controller.abort(this.cancelled());
    return true;
  }

  /** Whether the cancel was seen already: no Redis read. */
  seen(): boolean {
    return this.controller.signal.aborted;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    try {
      if (await this.wasCancelled()) {
        this.stop();
        this.options.log.info("task cancelled while running: stopping it");
      }
    } catch (error) {
      // Redis will be read again at the next tick and before every write.
      this.options.log.warn({ err: error }, "could not read the cancel flag");
    }
  }

  private cancelled(): TaskCancelledError {
    const reason: unknown = this.controller.signal.reason;
    return reason instanceof TaskCancelledError ? reason : new TaskCancelledError(`job ${this.options.jobId} was cancelled`, "the task was cancelled");
  }
}
