import type { TaskJob } from "../task/task-job.js";

export type QueueState = "waiting" | "active" | "delayed" | "failed" | "completed" | "prioritized" | "paused";

export interface EnqueueResult {
  readonly added: readonly string[];
  readonly duplicates: readonly string[];
}

/** What cancelling a job found: removed before it started, running (its worker must stop it), or already over. */
export type CancelResult = "removed" | "active" | "finished" | "missing";

/** Where a job is, without touching it: not started yet, running, over, or not in the queue. */
export type JobPhase = "pending" | "active" | "finished" | "missing";

/** Where the poller puts tasks. One job per task id, however often it is offered. */
export interface TaskQueue {
  /** A task's job id is its run's (`jobIdForRun(taskId, task.run ?? 1)`). */
  enqueue(tasks: readonly TaskJob[]): Promise<EnqueueResult>;
  /** Removes a job that has not started; reports an active one without touching it. */
  cancel(jobId: string): Promise<CancelResult>;
  /** Where a job is now; reading it changes nothing (a follow-up waits for the run before it). */
  phase(jobId: string): Promise<JobPhase>;
  counts(): Promise<Record<QueueState, number>>;
  /** Age in seconds of the oldest job waiting to start (0 when none). */
  oldestWaitingAgeSeconds(): Promise<number>;
}


/** One job as the queue holds it now: its state, when it started and ended, and what it returned. */
export interface JobSnapshot {
  readonly state: QueueState;
  /** Unix ms the current attempt started (active jobs), if known. */
  readonly startedAt?: number | undefined;
  /** Unix ms it finished (completed or failed jobs). */
  readonly finishedAt?: number | undefined;
  /** A completed job's stored result, unparsed: whatever Redis holds. */
  readonly result?: unknown;
}

/** Read-only looks at jobs, for the reconcile sweep: nothing here changes the queue. */
export interface TaskJobInspector {
  /** The job with this id, or undefined when the queue holds none (never queued, or removed). */
  inspect(jobId: string): Promise<JobSnapshot | undefined>;
  /** Up to `limit` active jobs with the time their attempt started, oldest first where the queue knows. */
  activeJobs(limit: number): Promise<{ readonly jobId: string; readonly startedAt: number | undefined }[]>;
}
