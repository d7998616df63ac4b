import type { TaskJob } from "../task/task-job.js";

/**
 * Follow-up runs waiting their turn, per task, in the order they were asked
 * for. A follow-up never stops the run before it: it waits until that run is
 * over, then becomes the task's next run. Kept beside the queue (not in a
 * poller's memory), so a restart or another poller replica picks them up.
 */
export interface FollowUpBacklog {
  /** Appends a follow-up job (no run number yet) to its task's backlog. */
  add(job: TaskJob): Promise<void>;
  /** Every task id with a follow-up waiting. */
  tasks(): Promise<string[]>;
  /** The task's oldest waiting follow-up, as stored (with the run it was given, once it has one). */
  head(taskId: string): Promise<TaskJob | undefined>;
  /** Rewrites the oldest waiting follow-up: it records the run number before the job is queued. */
  replaceHead(taskId: string, job: TaskJob): Promise<void>;
  /** Removes the oldest waiting follow-up (it was queued, or dropped). */
  shift(taskId: string): Promise<void>;
  /** Forgets every follow-up of a task (its issue left, so the task is over). */
  drop(taskId: string): Promise<void>;
  /** A short exclusive hold on one task's backlog, so two pollers never start the same follow-up. */
  lock(taskId: string, ttlMs: number): Promise<boolean>;
  unlock(taskId: string): Promise<void>;
}
