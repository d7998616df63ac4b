import {
  branchNameFor,
  candidatePrefixes,
  correlationComment,
  REVIEW_PATH_MAX_CHARS,
  followUpMarker,
  formatRepoRef,
  isTrustedActor,
  jobIdForRun,
  parseFollowUp,
  parseRepoRef,
  type FollowUpBacklog,
  type GitHubClient,
  type IssueComment,
  type PullRequest,
  type RepoRef,
  type ReviewPlace,
  type TaskJob,
  type TaskQueue,
  type TaskRuns,
  type TrustPolicy,
} from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { AnswerLedger } from "./answer-ledger.js";
import type { FoundPath } from "./dispatch-poller.js";
import type { RunnerIdentitySource } from "./runner-identity-source.js";

/** A comment on an issue or PR of a target repository: a possible follow-up. */
export interface FollowUpCandidate {
  readonly repo: RepoRef;
  /** The issue or PR the comment is on. */
  readonly issueNumber: number;
  readonly comment: IssueComment;
  /** Set for an inline review comment on the PR's diff: where it is (absent: a conversation comment). */
  readonly review?: ReviewPlace;
}

/** What became of a follow-up comment (the metric's label). */
export type FollowUpOutcome = "queued" | "untrusted" | "not_task_pull" | "pull_closed" | "task_gone";

/** The job a tracked task's dispatch issue stands for now (trust and parsing run again), if any. */
export type JobForIssueNumber = (issueNumber: number) => Promise<TaskJob | undefined>;

export interface FollowUpsDeps {
  readonly github: GitHubClient;
  readonly queue: TaskQueue;
  readonly runs: TaskRuns;
  readonly backlog: FollowUpBacklog;
  /** Claims each follow-up comment once, whichever path (poll, webhook) sees it first. */
  readonly ledger: AnswerLedger;
  /** Who may ask: TRUSTED_AUTHOR_ASSOCIATIONS (in the target repo) and TRUSTED_AUTHORS. */
  readonly trust: TrustPolicy;
  readonly prefix: string;
  readonly jobFor: JobForIssueNumber;
  /** Who the runner is: its own comments and PRs are told from anyone else's by author. */
  readonly runner: RunnerIdentitySource;
  readonly metrics: { followUp(outcome: FollowUpOutcome, path: FoundPath): void };
  readonly log: Logger;
}

/** How long one poller holds a task's backlog while it starts the next follow-up. */
const LOCK_MS = 30_000;

/**
 * Follow-ups: `<prefix> <text>` from a trusted reviewer on a task's PR asks
 * for another run of the task on the same branch, with that text as the
 * instruction. Each comment is claimed once; the run waits in the task's
 * backlog until the run before it is over (never stopping it), so two runs
 * of one task never work at once and every follow-up lands on the one PR.
 * Untrusted commenters get no reply: a reply would let anyone make the runner write.
 */
export class FollowUps {
  constructor(private readonly deps: FollowUpsDeps) {}

  /** Claims and queues the follow-ups among `candidates`; returns how many were queued. */
  async consider(candidates: readonly FollowUpCandidate[], path: FoundPath): Promise<number> {
    let queued = 0;
    for (const candidate of candidates) {
      const text = parseFollowUp(candidate.comment.body, this.deps.prefix);
      if (text === undefined || (await this.isRunner(candidate.comment.authorLogin))) continue;
      const { authorLogin, authorAssociation } = candidate.comment;
      if (!isTrustedActor(authorLogin, authorAssociation, this.deps.trust)) {
        this.deps.metrics.followUp("untrusted", path);
        continue;
      }
      const key = followUpKey(candidate);
      if (!(await this.deps.ledger.claim(key))) continue;
      const log = this.deps.log.child({ repo: formatRepoRef(candidate.repo), pull: candidate.issueNumber, comment: candidate.comment.id, path });
      try {
        const outcome = await this.accept(candidate, text, log);
        this.deps.metrics.followUp(outcome, path);
        if (outcome === "queued") queued++;
      } catch (error) {
        // Given back: the next poll (or a redelivery) tries again.
        await this.deps.ledger.release(key).catch(() => undefined);
        log.warn({ err: error }, "could not take up a follow-up; will look again");
      }
    }
    return queued;
  }

  /** Starts the follow-ups whose turn has come (the run before them is over): every poll calls this. */
  async resume(): Promise<void> {
    const tasks = await this.deps.backlog.tasks();
    if (tasks.length === 0) return;
    const tracked = await this.deps.runs.tracked();
    for (const taskId of tasks) {
      try {
        // A task whose issue left (closed, unlabelled) is over: its follow-ups go with it.
        if (!tracked.has(taskId)) await this.deps.backlog.drop(taskId);
        else await this.startNext(taskId);
      } catch (error) {
        this.deps.log.warn({ err: error, taskId }, "could not start a waiting follow-up; will try next poll");
      }
    }
  }

  private async accept(candidate: FollowUpCandidate, text: string, log: Logger): Promise<FollowUpOutcome> {
    const pull = await this.deps.github.getPull(candidate.repo, candidate.issueNumber);
    const taskId = pull === undefined ? undefined : await this.taskOf(pull, candidate.repo);
    if (pull === undefined || taskId === undefined) {
      log.debug("a follow-up on no task's pull request: ignored");
      return "not_task_pull";
    }
    if (pull.state === "closed") {
      await this.replyClosed(candidate, pull, taskId);
      log.info({ taskId }, "a follow-up on a closed pull request: not run");
      return "pull_closed";
    }
    const issueNumber = (await this.deps.runs.tracked()).get(taskId);
    const job = issueNumber === undefined ? undefined : await this.deps.jobFor(issueNumber);
    if (job === undefined || job.taskId !== taskId) {
      log.info({ taskId }, "a follow-up for a task its dispatch issue no longer stands for: ignored");
      return "task_gone";
    }
    const { run: _run, retried: _retried, ...base } = job;
    const review = candidate.review === undefined ? {} : { review: boundedPlace(candidate.review) };
    const followUp = { commentId: candidate.comment.id, ...review, pull: pull.number, text, url: candidate.comment.htmlUrl.slice(0, 2048) };
    await this.deps.backlog.add({ ...base, followUp });
    log.info({ taskId }, "follow-up queued behind the task's current run");
    await this.startNext(taskId);
    return "queued";
  }

  /**
   * Queues the task's oldest follow-up as its next run once the current run
   * is over. The run number is recorded in the backlog before the job is
   * queued, so a crash between the steps queues the same job id again (a
   * duplicate the queue refuses), never a second run of one follow-up.
   */
  private async startNext(taskId: string): Promise<void> {
    const { backlog, runs, queue } = this.deps;
    if (!(await backlog.lock(taskId, LOCK_MS))) return;
    try {
      const head = await backlog.head(taskId);
      if (head === undefined) return;
      let run = head.run;
      if (run === undefined) {
        // `/agent cancel` holds the task: its follow-ups wait until `/agent retry` or an edit releases it.
        if (await runs.isHeld(taskId)) return;
        const phase = await queue.phase(jobIdForRun(taskId, await runs.current(taskId)));
        if (phase === "pending" || phase === "active") return;
        run = await runs.next(taskId);
        await backlog.replaceHead(taskId, { ...head, run });
      }
      await queue.enqueue([{ ...head, run }]);
      await backlog.shift(taskId);
      this.deps.log.info({ taskId, run, comment: head.followUp?.commentId }, "follow-up run queued");
    } finally {
      await backlog.unlock(taskId).catch(() => undefined);
    }
  }

  /**
   * The tracked task whose PR this is: the runner opened it, its body names
   * the task, its head is one of the task's branches and the task targets this
   * repository. Anyone's look-alike PR is no task's.
   */
  private async taskOf(pull: PullRequest, repo: RepoRef): Promise<string | undefined> {
    if (!(await this.isRunner(pull.authorLogin))) return undefined;
    const [tracked, targets] = await Promise.all([this.deps.runs.tracked(), this.deps.runs.targets()]);
    const repoName = formatRepoRef(repo).toLowerCase();
    for (const taskId of tracked.keys()) {
      const target = targets.get(taskId);
      if (target === undefined || parseRepoRef(target) === undefined || target.toLowerCase() !== repoName) continue;
      if (pull.body?.includes(correlationComment(taskId)) !== true) continue;
      if (candidatePrefixes(taskId).some((prefix) => branchNameFor(prefix) === pull.headRef)) return taskId;
    }
    return undefined;
  }

  /** Says once on a closed PR that the follow-up was not run (its marker is looked for first). */
  private async replyClosed(candidate: FollowUpCandidate, pull: PullRequest, taskId: string): Promise<void> {
    const marker = followUpMarker(taskId, candidate.comment.id, candidate.review === undefined ? "conversation" : "review");
    const comments = await this.deps.github.listIssueComments(candidate.repo, pull.number);
    for (const c of comments) if (c.body.includes(marker) && (await this.isRunner(c.authorLogin))) return;
    await this.deps.github.createIssueComment(candidate.repo, pull.number, closedPullReply(marker, pull, candidate.comment.htmlUrl, this.deps.prefix));
  }

  private async isRunner(login: string | undefined): Promise<boolean> {
    return (await this.deps.runner()).wrote(login);
  }
}

/**
 * The claim of one comment. Review comments have ids of their own sequence (they may equal an
 * issue comment's), so they are claimed under a key of their own.
 */
function followUpKey({ repo, comment, review }: FollowUpCandidate): string {
  const kind = review === undefined ? "follow-up" : "follow-up-review";
  return `${kind}:${repo.owner}/${repo.repo}:${comment.id}`.toLowerCase();
}

/** A file name past the job's bound is cut: it only tells the change step where to look. */
function boundedPlace(place: ReviewPlace): ReviewPlace {
  const path = place.path.slice(0, REVIEW_PATH_MAX_CHARS);
  return place.line === undefined ? { path } : { path, line: place.line };
}

function closedPullReply(marker: string, pull: PullRequest, commentUrl: string, prefix: string): string {
  const next = pull.merged
    ? "Open a new dispatch issue for more work."
    : `Reopen it and comment again, or comment \`${prefix} retry\` on the dispatch issue for a new pull request.`;
  return `${marker}\nℹ️ This pull request is ${pull.merged ? "merged" : "closed"}, so the runner did not act on [this follow-up](${commentUrl}); nothing was pushed. ${next}\n`;
}
