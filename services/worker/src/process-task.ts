import { InvalidTaskError, TaskTimeoutError, classifyError, taskJobSchema, willRetry, type TaskJob } from "@agent-runner/core";
import type { TaskJobContext } from "@agent-runner/runtime";
import { TaskAttempt, type TaskOutcome } from "./attempt/task-attempt.js";
import type { WorkerDeps } from "./attempt/worker-deps.js";

export type { TaskOutcome };

/**
 * Runs one attempt at one job: builds the attempt, runs its steps, and on a
 * failure decides once whether the queue will retry it, which both the
 * dispatch-issue report and the job metric follow.
 */
export async function processTask(context: TaskJobContext, deps: WorkerDeps): Promise<TaskOutcome> {
  deps.metrics.jobStarted();
  // Marks when a job (a fresh one or one taken back from a dead worker) starts here.
  deps.log.info({ jobId: context.jobId, attempt: context.attemptsMade + 1 }, "job started");
  const started = performance.now();
  const finished = (outcome: "completed" | "failed" | "retried"): void =>
    deps.metrics.jobFinished(outcome, (performance.now() - started) / 1000);
  let attempt: TaskAttempt | undefined;
  try {
    attempt = new TaskAttempt(parseJob(context.data), context, deps);
    const outcome = await attempt.run();
    attempt.log.info({ pull: outcome.pullUrl, state: outcome.pullState, branch: outcome.branch }, "task done");
    finished("completed");
    return outcome;
  } catch (raw) {
    const error = timeoutAware(raw, context.signal);
    const retry = willRetry(error, context.attemptsMade, context.maxAttempts);
    const log = attempt?.log ?? deps.log.child({ jobId: context.jobId, attempt: context.attemptsMade + 1 });
    log.warn({ err: error, verdict: classifyError(error), willRetry: retry }, "task attempt failed");
    await attempt?.failed(error, retry);
    finished(retry ? "retried" : "failed");
    throw error;
  }
}

function parseJob(data: unknown): TaskJob {
  const parsed = taskJobSchema.safeParse(data);
  if (!parsed.success) {
    throw new InvalidTaskError(`invalid job payload: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
  }
  return parsed.data;
}

/** Whatever a step threw when the deadline aborted it, the task failed because of the deadline. */
function timeoutAware(error: unknown, signal: AbortSignal): unknown {
  return signal.aborted && signal.reason instanceof TaskTimeoutError ? signal.reason : error;
}
