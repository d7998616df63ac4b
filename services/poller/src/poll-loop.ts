import { classifyError, sleep } from "@agent-runner/core";
import { type Logger } from "@agent-runner/runtime";
import type { DispatchPoller } from "./dispatch-poller.js";
import type { PollerMetrics } from "./poller-metrics.js";

export interface PollLoopOptions {
  readonly intervalMs: number;
  /** The pause before the next poll when it varies (longer while webhook deliveries arrive); default intervalMs. */
  readonly currentIntervalMs?: () => number;
  /** Longest pause after failures or rate limits. */
  readonly maxBackoffMs?: number;
  readonly log: Logger;
  readonly metrics: PollerMetrics;
}

/**
 * Polls every `intervalMs` until stopped. Failures back off exponentially;
 * a rate-limit answer sleeps until GitHub said it resets.
 */
export class PollLoop {
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private lastSuccessAt: number | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly poller: DispatchPoller,
    private readonly options: PollLoopOptions,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  /** Healthy when a poll succeeded within three intervals (or the loop is younger than that). */
  isFresh(now = Date.now()): boolean {
    const interval = Math.max(this.options.intervalMs, this.options.currentIntervalMs?.() ?? 0);
    const horizon = Math.max(interval * 3, 60_000);
    return now - (this.lastSuccessAt ?? this.startedAt) < horizon;
  }

  private async run(): Promise<void> {
    let failures = 0;
    const signal = this.controller.signal;
    while (!signal.aborted) {
      const started = performance.now();
      const intervalMs = this.options.currentIntervalMs?.() ?? this.options.intervalMs;
      let waitMs = intervalMs;
      try {
        const summary = await this.poller.pollOnce();
        this.options.metrics.poll(summary.status, (performance.now() - started) / 1000);
        this.lastSuccessAt = Date.now();
        failures = 0;
        this.options.log.info(summary, "poll finished");
      } catch (error) {
        failures++;
        this.options.metrics.poll("error", (performance.now() - started) / 1000);
        const verdict = classifyError(error);
        const backoff = Math.min(intervalMs * 2 ** (failures - 1), this.options.maxBackoffMs ?? 5 * 60_000);
        waitMs = verdict.kind === "rate_limited" ? Math.max(verdict.retryAfterMs ?? backoff, 1000) : backoff;
        this.options.log.error({ err: error, verdict, failures, retryInMs: waitMs }, "poll failed");
      }
      // A stop request ends the wait; the loop condition then ends the loop.
      await sleep(waitMs, signal).catch(() => undefined);
    }
  }
}
