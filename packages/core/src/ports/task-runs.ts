/**
 * Which run of a task is the current one, and which tasks the poller is
 * watching. A task runs once per jobId; a cancelled run is followed by a new
 * one (a new jobId) when its issue is reopened or relabelled.
 */
export interface TaskRuns {
  /** The current run number of `taskId`: 1 until a run was cancelled. */
  current(taskId: string): Promise<number>;
  /** Starts a new run and returns its number (atomic: two pollers never get the same). */
  next(taskId: string): Promise<number>;
  /** Remembers that `taskId` came from `issueNumber`, so its issue disappearing can cancel it. */
  track(taskId: string, issueNumber: number): Promise<void>;
  /** Every tracked task id with its issue number. */
  tracked(): Promise<ReadonlyMap<string, number>>;
  untrack(taskId: string): Promise<void>;
  /** Remembers the task's target repository (`owner/name`), where its PR lives. */
  setTarget(taskId: string, targetRepo: string): Promise<void>;
  target(taskId: string): Promise<string | undefined>;
  /** Every task id with its target repository: where follow-up comments are looked for. */
  targets(): Promise<ReadonlyMap<string, string>>;
  /** What the current run was asked to do (see taskFingerprint); undefined before the first. */
  fingerprint(taskId: string): Promise<string | undefined>;
  setFingerprint(taskId: string, fingerprint: string): Promise<void>;
  /** Held: stopped by a command; its issue staying open does not start a new run, `/agent retry` does. */
  hold(taskId: string): Promise<void>;
  release(taskId: string): Promise<void>;
  isHeld(taskId: string): Promise<boolean>;
}

/**
 * The cancel flag of one run (one jobId). Set by whoever sees the cancel (the
 * poller today, a webhook later); read by the worker before each write.
 */
export interface CancellationLedger {
  cancel(jobId: string): Promise<void>;
  isCancelled(jobId: string): Promise<boolean>;
}
