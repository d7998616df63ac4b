import type { ReconcileLedger } from "../ports/reconcile-ledger.js";

/** The reconcile lock and verified stamps in memory, for unit tests; `now` drives the lock's expiry. */
export class MemoryReconcileLedger implements ReconcileLedger {
  readonly stamps = new Map<string, string>();
  holder: { owner: string; until: number } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  async tryLock(owner: string, ttlMs: number): Promise<boolean> {
    if (this.holder !== undefined && this.holder.until > this.now()) return false;
    this.holder = { owner, until: this.now() + ttlMs };
    return true;
  }

  async releaseAfter(owner: string, keepMs: number): Promise<void> {
    if (this.holder?.owner === owner) this.holder = keepMs > 0 ? { owner, until: this.now() + keepMs } : undefined;
  }

  async verified(taskId: string): Promise<string | undefined> {
    return this.stamps.get(taskId);
  }

  async markVerified(taskId: string, stamp: string): Promise<void> {
    this.stamps.set(taskId, stamp);
  }
}
