/**
 * What the reconcile sweep keeps in Redis: a lock, so one poller replica
 * sweeps at a time, and per task the issue state it last found in order, so
 * an unchanged issue is not read again.
 */
export interface ReconcileLedger {
  /** Takes the sweep lock for `ttlMs` unless anyone holds it; true when it was free. */
  tryLock(owner: string, ttlMs: number): Promise<boolean>;
  /**
   * After a sweep: the lock lives `keepMs` more (the rest of the interval, so the fleet sweeps
   * once per interval whichever replica asks first), if `owner` still holds it.
   */
  releaseAfter(owner: string, keepMs: number): Promise<void>;
  /** The stamp `markVerified` stored for a task, if any. */
  verified(taskId: string): Promise<string | undefined>;
  markVerified(taskId: string, stamp: string): Promise<void>;
}
