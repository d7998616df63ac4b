import {
  formatRepoRef,
  taskJobSchema,
  type DispatchIssue,
  type GitHubClient,
  type IssueComment,
  type TaskJob,
  type TaskQueue,
} from "@agent-runner/core";
import { type Logger } from "@agent-runner/runtime";
import type { AnswerLedger } from "./answer-ledger.js";
import type { ListingPlan, ListingWindow } from "./listing-window.js";
import { decideIssue, type IssuePolicy } from "./issue-decision.js";
import type { PollerMetrics } from "./poller-metrics.js";
import type { TaskTracker } from "./task-tracker.js";
import type { AgentCommand, CommentCommands } from "./comment-commands.js";
import { issueVersion, rejectionComment } from "./rejection-comment.js";

/** Which path found a task first: a webhook delivery or a poll. */
export type FoundPath = "event" | "poll";

export interface OfferSummary {
  readonly seen: number;
  readonly enqueued: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly skipped: number;
}

export interface PollSummary extends OfferSummary {
  readonly status: "modified" | "not_modified";
  readonly mode: ListingPlan["mode"];
}

export interface DispatchPollerDeps {
  readonly github: GitHubClient;
  readonly queue: TaskQueue;
  readonly ledger: AnswerLedger;
  readonly policy: IssuePolicy;
  readonly dispatchLabel: string;
  /** Which issues each poll asks for: a full sweep or only what changed. */
  readonly window: ListingWindow;
  /** Runs and cancels: a tracked task whose issue leaves a full listing is cancelled. */
  readonly tracker?: TaskTracker;
  /** `/agent retry` and `/agent cancel` in the comments of changed issues that have a task. */
  readonly commands?: CommentCommands;
  /** Follow-ups on the tasks' PRs: waiting ones started, target repositories' comments read (PullCommentWatch). */
  readonly followUps?: { poll(): Promise<void> };
  readonly metrics: PollerMetrics;
  readonly log: Logger;
  readonly now?: () => Date;
}

/**
 * One poll of the dispatch repo: list (conditionally, a full sweep or only what changed), decide per issue,
 * enqueue the valid ones in one bulk add, answer the invalid ones once.
 * A bad issue never stops the others.
 */
export class DispatchPoller {
  constructor(private readonly deps: DispatchPollerDeps) {}

  async pollOnce(): Promise<PollSummary> {
    const { github, policy, window } = this.deps;
    const plan = window.next();
    // Runs that waited for the run they replace to stop need no listing to start.
    const resumed = (await this.deps.tracker?.resumeWaiting()) ?? [];
    if (resumed.length > 0) await this.deps.queue.enqueue(resumed);
    // Comments on the tasks' PRs live in the target repositories: the dispatch listing does not show them.
    await this.deps.followUps?.poll();
    const listing = await github.listOpenIssuesWithLabel(policy.dispatchRepo, this.deps.dispatchLabel, {
      etag: plan.etag,
      since: plan.since,
    });
    if (listing.status === "not_modified") {
      window.handled(plan, "not_modified");
      return { status: "not_modified", mode: plan.mode, seen: 0, enqueued: 0, duplicates: 0, rejected: 0, skipped: 0 };
    }
    const handled = await this.offer(listing.issues, "poll");
    // Only a listing of every open labelled issue (no `since`) shows which issues left it.
    if (plan.since === undefined) await this.deps.tracker?.sweep(new Set(listing.issues.map((i) => i.number)));
    // The ETag and the window move only once everything they stand for has been handled.
    window.handled(plan, listing);
    return { status: "modified", mode: plan.mode, ...handled };
  }

  /**
   * Decides on each issue and enqueues or answers it: what a poll does with its listing and a
   * webhook delivery with its issue. Safe to run concurrently: the queue refuses a second job
   * with the same id and the ledger a second answer.
   */
  async offer(offered: readonly DispatchIssue[], path: FoundPath): Promise<OfferSummary> {
    const { log, policy } = this.deps;
    const issues = [...offered].sort((a, b) => a.number - b.number);
    this.deps.metrics.issuesSeen(issues.length);
    const jobs: TaskJob[] = [];
    let rejected = 0;
    let skipped = 0;
    for (const issue of issues) {
      const decision = decideIssue(issue, policy);
      if (decision.kind === "skip") skipped++;
      else if (decision.kind === "enqueue") jobs.push(this.toJob(issue, decision.task));
      else {
        rejected++;
        this.deps.metrics.rejected(decision.reason);
        await this.answer(issue, decision.reason, decision.message);
      }
    }
    jobs.push(...(await this.editedDoneTasks(issues)));
    const result = await this.deps.queue.enqueue((await this.deps.tracker?.assignRuns(jobs)) ?? jobs);
    this.deps.metrics.enqueued(result.added.length);
    this.deps.metrics.duplicates(result.duplicates.length);
    this.deps.metrics.found(path, result.added.length);
    await this.deps.commands?.check(issues, (issue) => this.jobFor(issue));
    if (result.added.length > 0) log.info({ taskIds: result.added.slice(0, 20), count: result.added.length, path }, "enqueued tasks");
    return {
      seen: issues.length,
      enqueued: result.added.length,
      duplicates: result.duplicates.length,
      rejected,
      skipped,
    };
  }

  /**
   * Done tasks (labelled processed) whose instruction or target a trusted edit
   * changed since their run: decided as if unlabelled, so trust and parsing
   * run again, and run again when the tracker says they changed.
   */
  private async editedDoneTasks(issues: readonly DispatchIssue[]): Promise<TaskJob[]> {
    const tracker = this.deps.tracker;
    if (tracker === undefined) return [];
    const processed = this.deps.policy.processedLabel.toLowerCase();
    const candidates: TaskJob[] = [];
    for (const issue of issues) {
      if (!issue.labels.some((l) => l.toLowerCase() === processed)) continue;
      const job = this.jobFor(issue);
      if (job !== undefined) candidates.push(job);
    }
    return candidates.length === 0 ? [] : tracker.editedSinceRun(candidates);
  }

  /** The job an issue stands for as it reads now, done or not: trust and parsing run again. */
  jobFor(issue: DispatchIssue): TaskJob | undefined {
    const processed = this.deps.policy.processedLabel.toLowerCase();
    const decision = decideIssue({ ...issue, labels: issue.labels.filter((l) => l.toLowerCase() !== processed) }, this.deps.policy);
    return decision.kind === "enqueue" ? this.toJob(issue, decision.task) : undefined;
  }

  /** The webhook path of a command: the comment one `issue_comment` event carries, on `issue`. */
  async handleComment(issue: DispatchIssue, comment: IssueComment): Promise<AgentCommand | undefined> {
    return this.deps.commands?.handle(issue, [comment], (i) => this.jobFor(i));
  }

  private toJob(issue: DispatchIssue, task: { taskId: string; instruction: string; target: { owner: string; repo: string } }): TaskJob {
    return {
      version: 1,
      taskId: task.taskId,
      dispatchRepo: formatRepoRef(this.deps.policy.dispatchRepo),
      issueNumber: issue.number,
      issueTitle: issue.title.slice(0, 1024),
      issueUrl: issue.htmlUrl,
      instruction: task.instruction,
      targetRepo: formatRepoRef(task.target),
      enqueuedAt: (this.deps.now?.() ?? new Date()).toISOString(),
      ...labelledAt(issue),
    };
  }

  private async answer(issue: DispatchIssue, reason: string, message: string): Promise<void> {
    const version = issueVersion(issue, reason);
    const key = `${formatRepoRef(this.deps.policy.dispatchRepo)}#${issue.number}:${version}`;
    const log = this.deps.log.child({ issue: issue.number, reason });
    try {
      if (!(await this.deps.ledger.claim(key))) return;
    } catch (error) {
      log.warn({ err: error }, "could not record the answer; not commenting this poll");
      return;
    }
    try {
      await this.deps.github.createIssueComment(
        this.deps.policy.dispatchRepo,
        issue.number,
        rejectionComment(reason, message, version),
      );
      log.info("answered invalid dispatch issue");
    } catch (error) {
      log.warn({ err: error }, "could not comment on invalid dispatch issue; will retry next poll");
      await this.deps.ledger.release(key).catch(() => undefined);
    }
  }
}

/**
 * When the issue was labelled, as well as the poller can tell: its `updated_at` when first seen,
 * which labelling bumps (and which is `created_at` for an issue opened with the label). Later
 * activity before the poller saw it makes it later than the labelling, never earlier.
 */
function labelledAt(issue: DispatchIssue): { labelledAt?: string } {
  const parsed = taskJobSchema.shape.labelledAt.safeParse(issue.updatedAt);
  return parsed.success && parsed.data !== undefined ? { labelledAt: parsed.data } : {};
}
