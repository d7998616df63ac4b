import { jobIdForRun, parseRepoRef, type CancellationLedger, type JobSnapshot, type RepoRef, type TaskJobInspector, type TaskRuns } from "@agent-runner/core";

/** What Redis says of one tracked task: its current run, that run's job, and whether a person stopped it. */
export interface TaskView {
  readonly taskId: string;
  readonly issueNumber: number;
  readonly run: number;
  readonly jobId: string;
  readonly target: RepoRef | undefined;
  readonly held: boolean;
  readonly cancelled: boolean;
  /** Undefined when the queue holds no job for the run (removed from the board, or expired). */
  readonly job: JobSnapshot | undefined;
}

export interface ViewSources {
  readonly runs: TaskRuns;
  readonly cancels: CancellationLedger;
  readonly jobs: TaskJobInspector;
}

const LIVE_STATES = new Set(["waiting", "active", "delayed", "prioritized", "paused"]);

export async function readTaskView(sources: ViewSources, taskId: string, issueNumber: number): Promise<TaskView> {
  const { runs, cancels, jobs } = sources;
  const run = await runs.current(taskId);
  const jobId = jobIdForRun(taskId, run);
  const [held, cancelled, job, target] = await Promise.all([runs.isHeld(taskId), cancels.isCancelled(jobId), jobs.inspect(jobId), runs.target(taskId)]);
  return { taskId, issueNumber, run, jobId, held, cancelled, job, target: target === undefined ? undefined : parseRepoRef(target) };
}

/** A run the queue will still work on: its attempt would repair anything itself. */
export function isLive(view: TaskView): boolean {
  return view.job !== undefined && LIVE_STATES.has(view.job.state);
}

/**
 * A task the sweep may act for: its run is over, and no person stopped it. A cancelled or held
 * task is left as the person left it, whatever is missing.
 */
export function isSettled(view: TaskView): boolean {
  const over = view.job?.state === "completed" || view.job?.state === "failed";
  return over && !view.held && !view.cancelled;
}

/** Whether the run read earlier is still the task's current one and nobody stopped it since: checked right before a write. */
export async function stillSettled(sources: ViewSources, view: TaskView): Promise<boolean> {
  const now = await readTaskView(sources, view.taskId, view.issueNumber);
  return now.run === view.run && now.job?.state === view.job?.state && isSettled(now);
}

export function sameRepo(a: RepoRef | undefined, b: RepoRef): boolean {
  return a !== undefined && a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}
