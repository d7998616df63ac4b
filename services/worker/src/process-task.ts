import {
  FinalTaskFailure,
  InvalidTaskError,
  TaskCancelledError,
  TaskTimeoutError,
  classifyError,
  taskJobSchema,
  willRetry,
  type TaskJob,
} from "@agent-runner/core";
import type { TaskJobContext } from "@agent-runner/runtime";
import { CancelWatch } from "./attempt/cancel-watch.js";
import { FailureReporter } from "./attempt/failure-reporter.js";
import { issueAsItReadsNow } from "./attempt/issue-as-it-reads-now.js";
import { TaskAttempt, type TaskOutcome } from "./attempt/task-attempt.js";
import type { JobOutcome, WorkerDeps } from "./attempt/worker-deps.js";

export type { TaskOutcome };

/**
 * Runs one attempt at one job: reads the issue again when the job's reading
 * is stale, runs the attempt's steps, and on a failure decides once whether
 * the queue will retry it. The failure report, the job metric and the queue
 * all follow that one decision: a failure no attempt follows is thrown as a
 * FinalTaskFailure, which the queue adapter only translates. A cancelled run
 * ends quietly: the poller that saw the cancel has said so on the issue.
 */
export async function processTask(context: TaskJobContext, deps: WorkerDeps): Promise<TaskOutcome> {
  deps.metrics.jobStarted();
  // Marks when a job (a fresh one or one taken back from a dead worker) starts here.
  deps.log.info({ jobId: context.jobId, attempt: context.attemptsMade + 1 }, "job started");
  const started = performance.now();
  const finished = (outcome: JobOutcome): void => deps.metrics.jobFinished(outcome, (performance.now() - started) / 1000);
  let log = deps.log.child({ jobId: context.jobId, attempt: context.attemptsMade + 1 });
  const watch = new CancelWatch({ ledger: deps.cancels, jobId: context.jobId, intervalMs: deps.settings.cancelCheckMs, parent: context.signal, log });
  let failures: FailureReporter | undefined;
  try {
    const queued = parseJob(context.data);
    log = log.child({ taskId: queued.taskId });
    if ((queued.run ?? 1) > 1 && context.attemptsMade === 0) deps.metrics.rerunStarted();
    // Exists before the issue is read again: an issue that no longer stands for the
    // task is reported on it like any permanent failure.
    failures = new FailureReporter(queued, deps, watch, log);
    await watch.assertNotCancelled();
    const job = issueReadingIsFresh(queued, context.attemptsMade) ? queued : await issueAsItReadsNow(queued, deps.github, deps.settings.trust);
    const outcome = await new TaskAttempt(job, { ...context, signal: watch.signal }, deps, watch, failures).run();
    log.info({ pull: outcome.pullUrl, state: outcome.pullState, branch: outcome.branch }, "task done");
    finished("completed");
    deps.metrics.taskOutcome(outcome.pullState);
    if (outcome.pullState === "opened") observePullOpened(job, deps);
    return outcome;
  } catch (raw) {
    const error = await causeOf(raw, watch);
    if (error instanceof TaskCancelledError) {
      log.info("task cancelled: stopped without writing anything more");
      finished("cancelled");
      deps.metrics.taskOutcome("cancelled");
      throw new FinalTaskFailure(error);
    }
    const verdict = classifyError(error);
    const retry = willRetry(error, context.attemptsMade, context.maxAttempts);
    log.warn({ err: error, verdict, willRetry: retry }, "task attempt failed");
    if (retry) {
      finished("retried");
      throw error;
    }
    await failures?.failed(error, verdict.kind !== "permanent");
    finished("failed");
    deps.metrics.taskOutcome("failed");
    throw new FinalTaskFailure(error);
  } finally {
    watch.stop();
  }
}

/** Only a PR this run opened is measured: an update or a PR found merged says nothing about how long a task takes. */
function observePullOpened(job: TaskJob, deps: WorkerDeps): void {
  const now = Date.now();
  const waited = (now - Date.parse(job.enqueuedAt)) / 1000;
  if (Number.isFinite(waited) && waited >= 0) deps.metrics.timeToPullRequest(waited);
  if (job.labelledAt === undefined) return;
  const sinceLabelled = (now - Date.parse(job.labelledAt)) / 1000;
  if (Number.isFinite(sinceLabelled) && sinceLabelled >= 0) deps.metrics.labelledToPull(sinceLabelled);
}

function parseJob(data: unknown): TaskJob {
  const parsed = taskJobSchema.safeParse(data);
  if (!parsed.success) {
    throw new InvalidTaskError(`invalid job payload: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
  }
  return parsed.data;
}

/**
 * Whatever a step threw when a cancel or the deadline aborted it, the task
 * stopped because of them. Any other failure is checked against the flag
 * too: a run cancelled a moment ago must not report its failure.
 */
async function causeOf(error: unknown, watch: CancelWatch): Promise<unknown> {
  if (error instanceof TaskCancelledError) return error;
  const reason: unknown = watch.signal.aborted ? watch.signal.reason : undefined;
  if (reason instanceof TaskCancelledError || reason instanceof TaskTimeoutError) return reason;
  const cancelled = await watch.wasCancelled().catch(() => false);
  return cancelled ? new TaskCancelledError(`job was cancelled after: ${error instanceof Error ? error.message : String(error)}`, "the task was cancelled") : error;
}

/** How old a job's reading of its issue may be for its first attempt to trust it. */
const FRESH_READING_MS = 5 * 60_000;

/**
 * Whether the job's own copy of the issue, read by the poller when it queued
 * the job, is recent enough to run without reading the issue again: a first
 * attempt of a job queued moments ago. An edit since then replaces this run
 * (the poller flags it cancelled, and the flag is read before every write).
 * Every other attempt, a requeue from the board among them, reads the issue
 * again: it may have been edited, or its author no longer trusted.
 */
function issueReadingIsFresh(job: TaskJob, attemptsMade: number): boolean {
  const age = Date.now() - Date.parse(job.enqueuedAt);
  return attemptsMade === 0 && Number.isFinite(age) && age >= 0 && age <= FRESH_READING_MS;
}
