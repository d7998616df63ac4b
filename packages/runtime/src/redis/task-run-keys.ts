/**
 * The key layout of task runs and cancel flags, in one place. Every key lives
 * under the queue prefix, one key per call, so each command is cluster-safe.
 */
export const taskRunKeys = {
  /** The current run number of a task (absent: run 1). */
  run: (prefix: string, taskId: string): string => `${prefix}:runs:${taskId}`,
  /** What the current run of a task was asked to do: a hash of its instruction and target. */
  fingerprint: (prefix: string, taskId: string): string => `${prefix}:run-fingerprint:${taskId}`,
  /** Set while a task is held: stopped by a command until `/agent retry`. */
  held: (prefix: string, taskId: string): string => `${prefix}:held:${taskId}`,
  /** Hash: task id -> dispatch issue number, for every task the poller watches. */
  tracked: (prefix: string): string => `${prefix}:tracked-tasks`,
  /** Hash: task id -> target repository (`owner/name`), where the task's PR lives. */
  targets: (prefix: string): string => `${prefix}:task-targets`,
  /** The reconcile sweep's lock: one poller replica sweeps at a time. */
  reconcileLock: (prefix: string): string => `${prefix}:reconcile-lock`,
  /** Hash: task id -> the issue state (updated_at, comment count) the sweep last found in order. */
  reconcileVerified: (prefix: string): string => `${prefix}:reconcile-verified`,
  /** List: a task's follow-up jobs waiting for the run before them to end, oldest first. */
  followUps: (prefix: string, taskId: string): string => `${prefix}:follow-ups:${taskId}`,
  /** Set: the task ids that have follow-ups waiting. */
  followUpTasks: (prefix: string): string => `${prefix}:follow-up-tasks`,
  /** A short hold on one task's follow-ups while a poller starts the next. */
  followUpLock: (prefix: string, taskId: string): string => `${prefix}:follow-up-lock:${taskId}`,
  /** Set when a run (a job id) is cancelled. */
  cancelled: (prefix: string, jobId: string): string => `${prefix}:cancelled:${jobId}`,
  /** How many comments the runner wrote on a dispatch issue (see OwnCommentTally). */
  ownComments: (prefix: string, issueNumber: number): string => `${prefix}:own-comments:${issueNumber}`,
};

/** As long as finished jobs are kept: a cancelled run stays cancelled for as long as its job can be requeued. */
export const TASK_RUN_TTL_SECONDS = 30 * 24 * 3600;
