import { randomBytes } from "node:crypto";
import path from "node:path";
import {
  InvalidTaskError,
  NoChangesError,
  RepoNotFoundError,
  TargetNotAllowedError,
  TaskTimeoutError,
  isRepoAllowed,
  parseRepoRef,
  type FollowUp,
  type GitWorkspace,
  type PullRequest,
  type RepoInfo,
  type RepoRef,
  type TaskJob,
} from "@agent-runner/core";
import type { Logger, TaskJobContext } from "@agent-runner/runtime";
import type { ChangeTask } from "../change/task-handler.js";
import { incompletePullBody, incompletePullTitle, pullRequestBody, pullRequestTitle } from "../report/pull-request-content.js";
import { BranchClaimer, type ClaimedBranch } from "./branch-claimer.js";
import type { CancelGuard } from "./cancel-watch.js";
import { changeTask, commitMessage, followUpCommitMessage } from "./change-task.js";
import { DispatchReporter, type PullState } from "./dispatch-reporter.js";
import type { FailureReporter } from "./failure-reporter.js";
import { FollowUpReporter } from "./follow-up-reporter.js";
import { PullPublisher, type PublishedPull, type PullContent } from "./pull-publisher.js";
import { StepObserver, logListener, metricsListener } from "./step-observer.js";
import type { WorkerDeps } from "./worker-deps.js";

export interface TaskOutcome {
  readonly pullUrl: string;
  readonly pullState: PullState;
  readonly branch: string;
}

interface ChangeResult {
  readonly summary: string;
  /** The commit the step made; undefined when there was nothing to commit. */
  readonly sha: string | undefined;
  /** Set when the step hit the timeout and what it had written was committed anyway. */
  readonly timedOut?: TaskTimeoutError;
}

/** How long the pushes and GitHub writes that keep a timed-out step's work may take, past the deadline. */
const KEEP_WORK_GRACE_MS = 60_000;

/**
 * One attempt at one task. Every step first looks at what GitHub already has,
 * so an attempt that follows a crash at any point finishes the work without
 * repeating a write: one branch, one PR, one comment per task.
 */
export class TaskAttempt {
  private readonly log: Logger;
  private readonly target: RepoRef;
  private readonly observer: StepObserver;
  private readonly reporter: DispatchReporter;
  private readonly claimer: BranchClaimer;
  private readonly publisher: PullPublisher;
  /** Set on a follow-up run: its one reply goes on the task's PR, not on the dispatch issue. */
  private readonly followUpReporter: FollowUpReporter | undefined;

  constructor(
    private readonly job: TaskJob,
    private readonly context: TaskJobContext,
    private readonly deps: WorkerDeps,
    /** Read before every push and every GitHub write: nothing is written once a cancel was seen. */
    private readonly cancel: CancelGuard,
    /** Reports the run's failure, if it fails for good; told when the attempt has reported it itself. */
    private readonly failures: FailureReporter,
  ) {
    // The job schema has already checked that both names parse.
    const dispatch = parseRepoRef(job.dispatchRepo) as RepoRef;
    this.target = parseRepoRef(job.targetRepo) as RepoRef;
    this.log = deps.log.child({ taskId: job.taskId, jobId: context.jobId, attempt: context.attemptsMade + 1 });
    this.observer = new StepObserver([metricsListener(deps.metrics, deps.handler.name), logListener(this.log)]);
    const issue = { repo: dispatch, issueNumber: job.issueNumber, taskId: job.taskId, run: job.run ?? 1 };
    this.reporter = new DispatchReporter(deps.github, deps.runner, issue, deps.settings.processedLabel);
    this.claimer = new BranchClaimer(deps.github, deps.pushes, deps.runner, this.target, job.taskId);
    this.publisher = new PullPublisher(deps.github, deps.runner, this.target, job.taskId, this.observer);
    this.followUpReporter = job.followUp === undefined ? undefined : new FollowUpReporter(deps.github, deps.runner, this.target, job.taskId, job.followUp);
  }

  /** The README's steps, in order. */
  async run(): Promise<TaskOutcome> {
    // A cancelled run requeued from the board stops here, before any work.
    await this.cancel.assertNotCancelled();
    this.checkTargetAllowed();
    const repo = await this.readRepo();
    return this.inCheckout(repo, async (workspace) => {
      const claim = await this.claimBranch(workspace);
      if (this.job.followUp !== undefined) return this.followUp(workspace, claim, repo, this.job.followUp);
      // A merged or closed PR is a human's decision: report it, change nothing. Only
      // `/agent retry` may replace a PR closed without merging, with a new one.
      const replaceClosed = this.job.retried === true && claim.pull?.state === "closed" && !claim.pull.merged;
      if (claim.pull?.state === "closed" && !replaceClosed) return this.reportClosed(claim.pull, claim.branch);
      const pull = replaceClosed ? undefined : claim.pull;
      const task = changeTask(this.job, claim, this.deps.settings.agentName);
      const change = await this.changeAndCommit(workspace, task, claim.branchExists, repo.defaultBranch);
      if (change.timedOut !== undefined) return this.keepIncompleteWork(workspace, task, change, repo.defaultBranch, pull);
      if (change.sha === undefined && !claim.branchExists) {
        throw new NoChangesError(`the ${this.deps.handler.name} change step changed nothing`, change.summary);
      }
      if (change.sha !== undefined) await this.push(workspace, task.branch, change.sha);
      const published = await this.openOrUpdatePull(task, change.summary, repo.defaultBranch, pull);
      await this.report(published.pull, published.state, published.preExisting);
      return { pullUrl: published.pull.htmlUrl, pullState: published.state, branch: claim.branch };
    });
  }

  /**
   * A follow-up run: the change step runs with the reviewer's text on the
   * branch of the task's PR, and its commit goes to that same PR. It never
   * opens a PR: a PR that is closed or merged (or is not the one the comment
   * was on) gets a reply and nothing else. The dispatch issue is left as it is.
   */
  private async followUp(workspace: GitWorkspace, claim: ClaimedBranch, repo: RepoInfo, followUp: FollowUp): Promise<TaskOutcome> {
    const reporter = this.followUpReporter as FollowUpReporter;
    const pull = claim.pull;
    if (pull === undefined || pull.number !== followUp.pull || !claim.branchExists) {
      throw new InvalidTaskError(
        `follow-up on pull request #${followUp.pull}, but the task's pull request is ${pull === undefined ? "none" : `#${pull.number}`}`,
        `pull request #${followUp.pull} is no longer this task's pull request`,
      );
    }
    if (pull.state === "closed") {
      await this.cancel.assertNotCancelled();
      await reporter.closed(pull);
      return { pullUrl: pull.htmlUrl, pullState: pull.merged ? "merged" : "closed", branch: claim.branch };
    }
    const task = changeTask(this.job, claim, this.deps.settings.agentName);
    const change = await this.changeAndCommit(workspace, task, true, repo.defaultBranch);
    // A follow-up that ran out of time pushes nothing: the PR keeps the work it had.
    if (change.timedOut !== undefined) throw change.timedOut;
    if (change.sha === undefined) {
      await this.cancel.assertNotCancelled();
      await reporter.unchanged(change.summary);
      return { pullUrl: pull.htmlUrl, pullState: "updated", branch: claim.branch };
    }
    await this.push(workspace, task.branch, change.sha);
    const published = await this.openOrUpdatePull(task, change.summary, repo.defaultBranch, pull);
    await this.observer.time("report", async () => {
      await this.cancel.assertNotCancelled();
      await reporter.done(change.sha as string);
      this.observer.commented();
    });
    return { pullUrl: published.pull.htmlUrl, pullState: published.state, branch: claim.branch };
  }

  private checkTargetAllowed(): void {
    if (isRepoAllowed(this.target, this.deps.settings.allowedTargetRepos)) return;
    throw new TargetNotAllowedError(
      `target ${this.job.targetRepo} is not allowed`,
      `the target repository \`${this.job.targetRepo}\` is not in ALLOWED_TARGET_REPOS`,
    );
  }

  private async readRepo(): Promise<RepoInfo> {
    const repo = await this.deps.repos.get(this.target);
    if (repo !== undefined) return repo;
    throw new RepoNotFoundError(
      `repository ${this.job.targetRepo} not found`,
      `the target repository \`${this.job.targetRepo}\` does not exist or the token cannot see it`,
    );
  }

  /** Checks the repository out for `work`. Only work that ran to the end may hand its tree back for reuse. */
  private async inCheckout(repo: RepoInfo, work: (workspace: GitWorkspace) => Promise<TaskOutcome>): Promise<TaskOutcome> {
    const signal = this.context.signal;
    const dir = path.join(this.deps.settings.workspaceDir, "jobs", `${this.job.taskId.slice(0, 40)}-${randomBytes(4).toString("hex")}`);
    const { cloneUrl, defaultBranch } = repo;
    const workspace = await this.observer.time("clone", () => this.deps.git.checkout({ cloneUrl, defaultBranch, dir, signal }));
    let reusable = false;
    try {
      signal.throwIfAborted();
      const outcome = await work(workspace);
      reusable = !signal.aborted;
      return outcome;
    } finally {
      await workspace.dispose({ reusable });
    }
  }

  private async claimBranch(workspace: GitWorkspace): Promise<ClaimedBranch> {
    // A later run of the task (after a cancel) may find the branch and PR an earlier run left.
    const repeated = this.context.attemptsMade > 0 || (this.job.run ?? 1) > 1;
    const claim = await this.claimer.claim(workspace, repeated);
    this.log.debug({ branch: claim.branch, pull: claim.pull?.number }, "branch claimed");
    return claim;
  }

  private async reportClosed(pull: PullRequest, branch: string): Promise<TaskOutcome> {
    const state = pull.merged ? "merged" : "closed";
    this.observer.pullRequest(state);
    await this.report(pull, state, true);
    return { pullUrl: pull.htmlUrl, pullState: state, branch };
  }

  /**
   * Checks out the task's branch, runs the change step and commits what it
   * wrote, timed as one step: the crash tests kill right after the commit.
   */
  private async changeAndCommit(workspace: GitWorkspace, task: ChangeTask, branchExists: boolean, defaultBranch: string): Promise<ChangeResult> {
    await workspace.checkoutNewBranch(task.branch, branchExists ? task.branch : defaultBranch);
    const run = async (): Promise<ChangeResult> => {
      let summary: string;
      try {
        ({ summary } = await this.deps.handler.apply({ dir: workspace.dir }, task, this.context.signal));
      } catch (error) {
        return this.commitTimedOutWork(workspace, task, error);
      }
      const worthCommitting = branchExists || (await this.changedBeyondTrace(workspace, task));
      return { summary, sha: worthCommitting ? await this.commit(workspace) : undefined };
    };
    return this.observer.time("change", run, (change) => ({ sha: change.sha }));
  }

  /**
   * A step the timeout stopped (KEEP_WORK_ON_TIMEOUT) commits what it wrote, so
   * the work survives as a draft PR; anything else, or nothing written, fails as before.
   */
  private async commitTimedOutWork(workspace: GitWorkspace, task: ChangeTask, error: unknown): Promise<ChangeResult> {
    const reason: unknown = this.context.signal.aborted ? this.context.signal.reason : error;
    const timedOut = error instanceof TaskTimeoutError ? error : reason instanceof TaskTimeoutError ? reason : undefined;
    if (this.deps.settings.keepWorkOnTimeout !== true || timedOut === undefined) throw error;
    if (!(await this.changedBeyondTrace(workspace, task))) throw error;
    const sha = await this.commit(workspace);
    if (sha === undefined) throw error;
    this.log.info({ sha }, "change step timed out: keeping what it wrote");
    return { summary: "", sha, timedOut };
  }

  /**
   * Pushes a timed-out step's commit and opens (or updates) the task's PR as a
   * draft marked incomplete, says so once on the dispatch issue, then fails the
   * run with the timeout. The deadline has already aborted the job's signal:
   * these writes get a short grace of their own, and still stop on a cancel.
   * They are the same timed steps as a finished run's: push, pr, report.
   */
  private async keepIncompleteWork(
    workspace: GitWorkspace,
    task: ChangeTask,
    change: ChangeResult,
    base: string,
    existing: PullRequest | undefined,
  ): Promise<never> {
    const timedOut = change.timedOut as TaskTimeoutError;
    await this.push(workspace, task.branch, change.sha as string, AbortSignal.timeout(KEEP_WORK_GRACE_MS));
    const content = { title: incompletePullTitle(task), body: incompletePullBody(task, timedOut.message), head: task.branch, base, draft: true };
    const published = await this.publish(content, existing);
    await this.observer.time("report", async () => {
      await this.cancel.assertNotCancelled();
      await this.reporter.incomplete(published.pull, published.preExisting);
    });
    this.failures.keptWork();
    this.log.info({ pull: published.pull.htmlUrl }, "kept the timed-out work as an incomplete pull request");
    throw timedOut;
  }

  /** A change step (other than `trace`) that wrote nothing but the trace file changed nothing. */
  private async changedBeyondTrace(workspace: GitWorkspace, task: ChangeTask): Promise<boolean> {
    if (this.deps.handler.traceIsTheChange === true) return true;
    return (await workspace.changedPaths()).some((p) => p !== task.traceFilePath);
  }

  private async commit(workspace: GitWorkspace): Promise<string | undefined> {
    const { agentName: name, agentEmail: email } = this.deps.settings;
    const { issueNumber, taskId, followUp } = this.job;
    const message = followUp === undefined ? commitMessage(issueNumber, taskId) : followUpCommitMessage(issueNumber, taskId, followUp.pull);
    return workspace.commitAll(message, { name, email });
  }

  /**
   * Records the commit before pushing it: an attempt that dies between the
   * two leaves a record of a push that never landed, which is harmless; the
   * other order could leave a pushed branch the next attempt disowns.
   */
  private async push(workspace: GitWorkspace, branch: string, sha: string, signal = this.context.signal): Promise<void> {
    await this.observer.time("push", async () => {
      await this.cancel.assertNotCancelled();
      await this.deps.pushes.record({ taskId: this.job.taskId, repo: this.target, branch, sha });
      await workspace.push(branch, signal);
    });
    this.log.info({ branch, sha }, "pushed branch");
  }

  private async openOrUpdatePull(task: ChangeTask, summary: string, base: string, existing: PullRequest | undefined): Promise<PublishedPull> {
    return this.publish({ title: pullRequestTitle(task), body: pullRequestBody(task, summary), head: task.branch, base }, existing);
  }

  private async publish(content: PullContent, existing: PullRequest | undefined): Promise<PublishedPull> {
    return this.observer.time("pr", async () => {
      await this.cancel.assertNotCancelled();
      return this.publisher.publish(content, existing);
    });
  }

  /** Comments the PR once, then labels the issue; the crash tests kill between the two. */
  private async report(pull: PullRequest, state: PullState, mayBeAnnounced: boolean): Promise<void> {
    await this.observer.time("report", async () => {
      await this.cancel.assertNotCancelled();
      await this.reporter.done(pull, state, mayBeAnnounced);
      this.observer.commented();
      await this.cancel.assertNotCancelled();
      await this.reporter.markProcessed();
    });
  }
}
