import { randomBytes } from "node:crypto";
import path from "node:path";
import {
  BranchConflictError,
  GitHubApiError,
  InvalidTaskError,
  NoChangesError,
  RepoNotFoundError,
  TargetNotAllowedError,
  TaskTimeoutError,
  branchNameFor,
  candidatePrefixes,
  classifyError,
  isRepoAllowed,
  parseRepoRef,
  taskJobSchema,
  traceFilePathFor,
  type GitHubClient,
  type GitWorkspace,
  type GitWorkspaceFactory,
  type PullRequest,
  type RepoInfo,
  type RepoRef,
  type TaskJob,
} from "@agent-runner/core";
import { type Logger, type TaskJobContext } from "@agent-runner/runtime";
import { claimBranch, commitMessage } from "./branch-ownership.js";
import type { ChangeTask, TaskHandler } from "./change/task-handler.js";
import { doneMarker, failedMarker } from "./report/markers.js";
import {
  doneComment,
  failureComment,
  noChangeComment,
  pullRequestBody,
  pullRequestTitle,
} from "./report/pull-request-content.js";
import type { RepoInfoCache } from "./repo-info-cache.js";

export type Step = "clone" | "change" | "push" | "pr" | "report";

export interface TaskMetricsSink {
  observeStep(step: Step, seconds: number): void;
  pullRequest(action: "created" | "updated" | "unchanged" | "merged" | "closed"): void;
  changeStep(handler: string, outcome: "changed" | "unchanged" | "failed", seconds: number): void;
}

export interface ProcessTaskSettings {
  readonly processedLabel: string;
  readonly agentName: string;
  readonly agentEmail: string;
  readonly allowedTargetRepos: readonly string[];
  readonly workspaceDir: string;
}

export interface ProcessTaskDeps {
  readonly github: GitHubClient;
  readonly git: GitWorkspaceFactory;
  readonly repos: RepoInfoCache;
  readonly handler: TaskHandler;
  readonly settings: ProcessTaskSettings;
  readonly metrics: TaskMetricsSink;
  readonly log: Logger;
}

export type TaskOutcome = {
  readonly pullUrl: string;
  readonly pullState: "opened" | "updated" | "merged" | "closed";
  readonly branch: string;
};

/**
 * One attempt at one task. Every step first looks at what GitHub already has,
 * so an attempt that follows a crash at any point finishes the work without
 * repeating a write: one branch, one PR, one comment per task.
 */
export async function processTask(context: TaskJobContext, deps: ProcessTaskDeps): Promise<TaskOutcome> {
  const job = parseJob(context.data);
  const log = deps.log.child({ taskId: job.taskId, jobId: context.jobId, attempt: context.attemptsMade + 1 });
  const dispatch = parseRepoRef(job.dispatchRepo) as RepoRef;
  const target = parseRepoRef(job.targetRepo) as RepoRef;
  try {
    if (!isRepoAllowed(target, deps.settings.allowedTargetRepos)) {
      throw new TargetNotAllowedError(
        `target ${job.targetRepo} is not allowed`,
        `the target repository \`${job.targetRepo}\` is not in ALLOWED_TARGET_REPOS`,
      );
    }
    const outcome = await runTask(job, dispatch, target, context, deps, log);
    log.info({ pull: outcome.pullUrl, state: outcome.pullState, branch: outcome.branch }, "task done");
    return outcome;
  } catch (raw) {
    const error = timeoutAware(raw, context.signal);
    await reportFailure(error, job, dispatch, context, deps, log).catch((reportError: unknown) =>
      log.warn({ err: reportError }, "could not report the failure on the dispatch issue"),
    );
    throw error;
  }
}

async function runTask(
  job: TaskJob,
  dispatch: RepoRef,
  target: RepoRef,
  context: TaskJobContext,
  deps: ProcessTaskDeps,
  log: Logger,
): Promise<TaskOutcome> {
  const signal = context.signal;
  const repo = await getRepo(deps, target);
  const dir = path.join(deps.settings.workspaceDir, "jobs", `${job.taskId.slice(0, 40)}-${randomBytes(4).toString("hex")}`);
  const workspace = await timed(deps, log, "clone", () =>
    deps.git.checkout({ cloneUrl: repo.cloneUrl, defaultBranch: repo.defaultBranch, dir, signal }),
  );
  // Only a job that ran to the end may hand its tree back for reuse; anything else deletes it.
  let reusable = false;
  try {
    signal.throwIfAborted();
    const claim = await claimFirstFreeBranch(job, target, workspace, deps, context.attemptsMade > 0);
    log.debug({ branch: claim.branch, kind: claim.claim.kind }, "branch claimed");
    const task = changeTask(job, claim.prefix, claim.branch, deps.settings.agentName);
    const existing = claim.claim.kind === "ours" ? claim.claim.pull : undefined;
    if (existing !== undefined && existing.state === "closed") {
      // A merged or closed PR is a human's decision: report it, change nothing.
      deps.metrics.pullRequest(existing.merged ? "merged" : "closed");
      const state = existing.merged ? "merged" : "closed";
      await report(log, job, dispatch, existing, state, true, deps);
      reusable = true;
      return { pullUrl: existing.htmlUrl, pullState: state, branch: claim.branch };
    }
    const branchExists = claim.claim.kind === "ours" && claim.claim.branchExists;
    const summary = await applyChange(workspace, task, branchExists, repo, signal, deps, job, dispatch, log);
    const { pull, state, preExisting } = await timed(deps, log, "pr", () =>
      upsertPull(target, task, summary, repo.defaultBranch, existing, deps),
    );
    await timed(deps, log, "report", () => report(log, job, dispatch, pull, state, preExisting, deps));
    reusable = !signal.aborted;
    return { pullUrl: pull.htmlUrl, pullState: state, branch: claim.branch };
  } finally {
    await workspace.dispose({ reusable });
  }
}

async function getRepo(deps: ProcessTaskDeps, target: RepoRef): Promise<RepoInfo> {
  try {
    return await deps.repos.get(target);
  } catch (error) {
    if (error instanceof GitHubApiError && error.status === 404) {
      throw new RepoNotFoundError(
        `repository ${target.owner}/${target.repo} not found`,
        `the target repository \`${target.owner}/${target.repo}\` does not exist or the token cannot see it`,
      );
    }
    throw error;
  }
}

/**
 * The first candidate branch that is free or already this task's. PRs are
 * looked up for a branch that exists, and for every branch on a repeated
 * attempt; a branch that does not exist on a first attempt needs no look-up:
 * GitHub closes PRs whose head branch is gone, and this task has not opened
 * one yet (a lost create response is caught by the create's own 422).
 */
async function claimFirstFreeBranch(
  job: TaskJob,
  target: RepoRef,
  workspace: GitWorkspace,
  deps: ProcessTaskDeps,
  repeatedAttempt: boolean,
): Promise<{ prefix: string; branch: string; claim: Exclude<ReturnType<typeof claimBranch>, { kind: "taken" }> }> {
  const remote = workspace.remoteBranches();
  const refusals: string[] = [];
  for (const prefix of candidatePrefixes(job.taskId)) {
    const branch = branchNameFor(prefix);
    const branchExists = remote.has(branch);
    const pulls = branchExists || repeatedAttempt ? await deps.github.findPullsByHead(target, target.owner, branch) : [];
    const aheadMessages = branchExists
      ? (await workspace.commitsAheadOfDefault(branch)).map((c) => c.message)
      : [];
    const claim = claimBranch({ taskId: job.taskId, branchExists, aheadMessages, pulls });
    if (claim.kind !== "taken") return { prefix, branch, claim };
    refusals.push(`${branch}: ${claim.why}`);
  }
  throw new BranchConflictError(
    `no free branch for task ${job.taskId}`,
    `every branch name for this task is taken by other work (${refusals.join("; ")})`,
  );
}

async function applyChange(
  workspace: GitWorkspace,
  task: ChangeTask,
  branchExists: boolean,
  repo: RepoInfo,
  signal: AbortSignal,
  deps: ProcessTaskDeps,
  job: TaskJob,
  dispatch: RepoRef,
  log: Logger,
): Promise<string> {
  await workspace.checkoutNewBranch(task.branch, branchExists ? task.branch : repo.defaultBranch);
  const started = performance.now();
  let summary: string;
  try {
    summary = (await deps.handler.apply({ dir: workspace.dir }, task, signal)).summary;
  } catch (error) {
    deps.metrics.changeStep(deps.handler.name, "failed", (performance.now() - started) / 1000);
    throw error;
  }
  if (!branchExists && !deps.handler.traceIsTheChange) {
    const changed = (await workspace.changedPaths()).filter((p) => p !== task.traceFilePath);
    if (changed.length === 0) {
      deps.metrics.changeStep(deps.handler.name, "unchanged", (performance.now() - started) / 1000);
      await postOnce(deps, dispatch, job, failedMarker(job.taskId), noChangeComment(job.taskId, summary), true);
      throw new NoChangesError(`the ${deps.handler.name} change step changed nothing`, "the change step changed nothing");
    }
  }
  const sha = await workspace.commitAll(commitMessage(job.issueNumber, job.taskId), {
    name: deps.settings.agentName,
    email: deps.settings.agentEmail,
  });
  const seconds = (performance.now() - started) / 1000;
  deps.metrics.observeStep("change", seconds);
  log.info({ step: "change", seconds, sha, committed: sha !== undefined }, "step finished");
  deps.metrics.changeStep(deps.handler.name, sha === undefined ? "unchanged" : "changed", seconds);
  if (sha === undefined && !branchExists) {
    await postOnce(deps, dispatch, job, failedMarker(job.taskId), noChangeComment(job.taskId, summary), true);
    throw new NoChangesError(`the ${deps.handler.name} change step changed nothing`, "the change step changed nothing");
  }
  if (sha !== undefined) {
    await timed(deps, log, "push", () => workspace.push(task.branch, signal));
    log.info({ branch: task.branch, sha }, "pushed branch");
  }
  return summary;
}

async function upsertPull(
  target: RepoRef,
  task: ChangeTask,
  summary: string,
  base: string,
  existing: PullRequest | undefined,
  deps: ProcessTaskDeps,
): Promise<{ pull: PullRequest; state: "opened" | "updated"; preExisting: boolean }> {
  const title = pullRequestTitle(task);
  const body = pullRequestBody(task, summary);
  if (existing !== undefined) {
    if (existing.title === title && existing.body === body) {
      deps.metrics.pullRequest("unchanged");
      return { pull: existing, state: "updated", preExisting: true };
    }
    const pull = await deps.github.updatePull(target, existing.number, { title, body });
    deps.metrics.pullRequest("updated");
    return { pull, state: "updated", preExisting: true };
  }
  try {
    const pull = await deps.github.createPull(target, { title, body, head: task.branch, base });
    deps.metrics.pullRequest("created");
    return { pull, state: "opened", preExisting: false };
  } catch (error) {
    // A create whose first response was lost comes back as "already exists": find it.
    if (!(error instanceof GitHubApiError && error.status === 422 && /already exists/i.test(error.message))) throw error;
    const found = (await deps.github.findPullsByHead(target, target.owner, task.branch)).find((p) => p.state === "open");
    if (found === undefined) throw error;
    deps.metrics.pullRequest("unchanged");
    return { pull: found, state: "opened", preExisting: true };
  }
}

async function report(
  log: Logger,
  job: TaskJob,
  dispatch: RepoRef,
  pull: PullRequest,
  state: TaskOutcome["pullState"],
  preExisting: boolean,
  deps: ProcessTaskDeps,
): Promise<void> {
  // A PR made by this very attempt cannot have been announced yet; only then is the look-up skipped.
  await postOnce(deps, dispatch, job, doneMarker(job.taskId), doneComment(job.taskId, pull.htmlUrl, state), preExisting);
  log.info({ step: "comment" }, "step finished");
  await deps.github.addLabels(dispatch, job.issueNumber, [deps.settings.processedLabel]);
}

async function postOnce(
  deps: ProcessTaskDeps,
  dispatch: RepoRef,
  job: TaskJob,
  marker: string,
  body: string,
  lookFirst: boolean,
): Promise<void> {
  if (lookFirst) {
    const comments = await deps.github.listIssueComments(dispatch, job.issueNumber);
    if (comments.some((c) => c.body.includes(marker))) return;
  }
  await deps.github.createIssueComment(dispatch, job.issueNumber, body);
}

async function reportFailure(
  error: unknown,
  job: TaskJob,
  dispatch: RepoRef,
  context: TaskJobContext,
  deps: ProcessTaskDeps,
  log: Logger,
): Promise<void> {
  const verdict = classifyError(error);
  const lastAttempt = context.attemptsMade + 1 >= context.maxAttempts;
  log.warn({ err: error, verdict, lastAttempt }, "task attempt failed");
  if (verdict.kind !== "permanent" && !lastAttempt) return;
  if (error instanceof NoChangesError) return; // already explained in its own comment
  const message =
    error instanceof Error && "userMessage" in error ? String(error.userMessage) : describe(error);
  await postOnce(deps, dispatch, job, failedMarker(job.taskId), failureComment(job.taskId, message, lastAttempt && verdict.kind !== "permanent"), true);
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

/** Whatever a step threw when the deadline aborted it, the task failed because of the deadline. */
function timeoutAware(error: unknown, signal: AbortSignal): unknown {
  return signal.aborted && signal.reason instanceof TaskTimeoutError ? signal.reason : error;
}

function parseJob(data: unknown): TaskJob {
  const parsed = taskJobSchema.safeParse(data);
  if (!parsed.success) {
    throw new InvalidTaskError(`invalid job payload: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
  }
  return parsed.data;
}

function changeTask(job: TaskJob, prefix: string, branch: string, agentName: string): ChangeTask {
  return {
    taskId: job.taskId,
    prefix,
    branch,
    instruction: job.instruction,
    issueNumber: job.issueNumber,
    issueTitle: job.issueTitle,
    issueUrl: job.issueUrl,
    dispatchRepo: job.dispatchRepo,
    targetRepo: job.targetRepo,
    agentName,
    enqueuedAt: job.enqueuedAt,
    traceFilePath: traceFilePathFor(prefix),
  };
}

/**
 * Runs one step, records its duration, and logs its end: the "step finished"
 * lines mark the step boundaries that the crash tests kill workers at.
 */
async function timed<T>(deps: ProcessTaskDeps, log: Logger, step: Step, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    log.info({ step, seconds: (performance.now() - started) / 1000 }, "step finished");
    return result;
  } finally {
    deps.metrics.observeStep(step, (performance.now() - started) / 1000);
  }
}
