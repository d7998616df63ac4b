import { randomUUID } from "node:crypto";
import { sleep, type ReconcileLedger } from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { Reconciler, SweepSummary } from "./reconciler.js";

export interface ReconcileLoopOptions {
  readonly intervalMs: number;
  readonly ledger: ReconcileLedger;
  readonly log: Logger;
  /** Longest a sweep may hold the lock if its replica dies mid-sweep (default 10 minutes). */
  readonly maxSweepMs?: number;
}

const DEFAULT_MAX_SWEEP_MS = 10 * 60_000;

/**
 * Runs a sweep every `intervalMs`, once across all poller replicas: whichever
 * takes the Redis lock sweeps, and the lock then lives out the interval, so
 * the fleet sweeps once per interval however many replicas ask.
 */
export class ReconcileLoop {
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  /** Who holds the lock, as the lock's value shows it. */
  private readonly owner = `poller-${process.pid}-${randomUUID()}`;

  constructor(
    private readonly reconciler: Reconciler,
    private readonly options: ReconcileLoopOptions,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  /** One turn: sweeps when the lock is free; undefined when another replica swept this interval. */
  async tick(): Promise<SweepSummary | undefined> {
    const { ledger, intervalMs, log } = this.options;
    const lockMs = Math.max(intervalMs, this.options.maxSweepMs ?? DEFAULT_MAX_SWEEP_MS);
    if (!(await ledger.tryLock(this.owner, lockMs))) return undefined;
    const started = Date.now();
    try {
      const summary = await this.reconciler.sweep();
      log.info(summary, "reconcile sweep finished");
      return summary;
    } finally {
      await ledger.releaseAfter(this.owner, intervalMs - (Date.now() - started)).catch((error: unknown) => log.warn({ err: error }, "could not shorten the reconcile lock"));
    }
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      // The first sweep waits an interval too: the start-up poll tracks tasks first.
      await sleep(this.options.intervalMs, signal).catch(() => undefined);
      if (signal.aborted) break;
      await this.tick().catch((error: unknown) => this.options.log.error({ err: error }, "reconcile sweep failed"));
    }
  }
}
