import { jobIdForRun, type CancellationLedger, type TaskJob, type TaskQueue, type TaskRuns } from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { TaskCanceller } from "./task-canceller.js";
import { taskFingerprint } from "./task-fingerprint.js";

export interface TaskTrackerDeps {
  readonly runs: TaskRuns;
  readonly queue: TaskQueue;
  readonly cancels: CancellationLedger;
  readonly canceller: TaskCanceller;
  readonly log: Logger;
}

/** How many Redis look-ups one poll keeps in flight. */
const CONCURRENCY = 50;

/**
 * The poller's memory of the tasks it queued: which run each job is, and which
 * issue it came from, so an issue that leaves the listing (closed, unlabelled)
 * cancels its task and one that comes back after a cancel runs again.
 */
export class TaskTracker {
  /**
   * Runs waiting for the run they replace to stop, offered again every poll
   * (an unchanged listing would not offer them). In memory only: after a
   * restart the start-up sweep finds the replaced run flagged and starts them.
   */
  private readonly waiting = new Map<string, TaskJob>();

  constructor(private readonly deps: TaskTrackerDeps) {}

  /** The waiting runs whose predecessor has stopped, ready to queue. */
  async resumeWaiting(): Promise<TaskJob[]> {
    return this.waiting.size === 0 ? [] : this.assignRuns([...this.waiting.values()]);
  }

  /**
   * Gives each job the run it belongs to. The current run, unless it was
   * cancelled (the issue came back) or was asked something else (a trusted
   * edit changed the instruction or target): then a new run, a new job id the
   * queue lets in, on the same branch and PR. A superseded run still active is
   * flagged and left to stop: its task waits for a later poll, so two runs of
   * one task never work at once.
   */
  async assignRuns(jobs: readonly TaskJob[]): Promise<TaskJob[]> {
    const assigned = await inBatches(jobs, async (job) => {
      const run = await this.runFor(job);
      if (run === "wait") this.waiting.set(job.taskId, job);
      else this.waiting.delete(job.taskId);
      if (typeof run !== "number") return undefined;
      await this.deps.runs.track(job.taskId, job.issueNumber);
      await this.deps.runs.setTarget(job.taskId, job.targetRepo);
      return run > 1 ? { ...job, run } : job;
    });
    return assigned.filter((job): job is TaskJob => job !== undefined);
  }

  /** Of done tasks (labelled processed), the ones edited since their run: they run again. */
  async editedSinceRun(jobs: readonly TaskJob[]): Promise<TaskJob[]> {
    const edited = await inBatches(jobs, async (job) => {
      const stored = await this.deps.runs.fingerprint(job.taskId);
      return stored !== undefined && stored !== taskFingerprint(job) ? job : undefined;
    });
    return edited.filter((job): job is TaskJob => job !== undefined);
  }

  /**
   * `/agent retry`: a new run of the task as its issue reads now, whatever
   * the current run is doing (it is stopped first) and even after a cancel.
   */
  async retry(job: TaskJob): Promise<TaskJob | undefined> {
    const { runs, cancels } = this.deps;
    await cancels.cancel(jobIdForRun(job.taskId, await runs.current(job.taskId)));
    await runs.release(job.taskId);
    const [assigned] = await this.assignRuns([job]);
    return assigned;
  }

  /** `/agent cancel`: the task stays stopped while its issue stays open, until `/agent retry` or an edit. */
  async hold(taskId: string): Promise<void> {
    await this.deps.runs.hold(taskId);
    this.waiting.delete(taskId);
  }

  /** The run a job belongs to; "wait" while the run it replaces stops, "held" while a command holds the task. */
  private async runFor(job: TaskJob): Promise<number | "wait" | "held"> {
    const { runs, cancels, queue, log } = this.deps;
    const fingerprint = taskFingerprint(job);
    const stored = await runs.fingerprint(job.taskId);
    const current = await runs.current(job.taskId);
    const jobId = jobIdForRun(job.taskId, current);
    const edited = stored !== undefined && stored !== fingerprint;
    // The edited instruction replaces the current run's: nothing more is written for the old one.
    if (edited) await cancels.cancel(jobId);
    if (stored !== fingerprint) await runs.setFingerprint(job.taskId, fingerprint);
    if (!edited && !(await cancels.isCancelled(jobId))) return current;
    if (edited) await runs.release(job.taskId);
    else if (await runs.isHeld(job.taskId)) return "held";
    if ((await queue.cancel(jobId)) === "active") {
      log.info({ taskId: job.taskId, jobId }, "waiting for the replaced run to stop before starting the next");
      return "wait";
    }
    const run = await runs.next(job.taskId);
    log.info({ taskId: job.taskId, run, edited }, edited ? "instruction edited: starting a new run" : "issue is back after a cancel: starting a new run");
    return run;
  }

  /**
   * A delivery said `issueNumber` was closed or lost its label: the tasks it
   * carries are cancelled now, as the next full listing would. Returns how
   * many runs were cancelled.
   */
  async issueLeft(issueNumber: number): Promise<number> {
    const listed = new Set([...(await this.deps.runs.tracked()).values()].filter((issue) => issue !== issueNumber));
    return this.sweep(listed);
  }

  /**
   * After a full listing: every tracked task whose issue was not in it is
   * cancelled; one whose run is over is forgotten. Returns how many runs were cancelled.
   */
  async sweep(listedIssueNumbers: ReadonlySet<number>): Promise<number> {
    const gone = [...(await this.deps.runs.tracked())].filter(([, issue]) => !listedIssueNumbers.has(issue));
    const results = await inBatches(gone, async ([taskId, issue]) => {
      const result = await this.deps.canceller.cancel(taskId, issue);
      if (result === "finished" || result === "missing") await this.deps.runs.untrack(taskId);
      return result;
    });
    return results.filter((r) => r === "removed" || r === "active").length;
  }
}

async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += CONCURRENCY) {
    results.push(...(await Promise.all(items.slice(i, i + CONCURRENCY).map(work))));
  }
  return results;
}
