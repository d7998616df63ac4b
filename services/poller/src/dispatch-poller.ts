import {
  formatRepoRef,
  type DispatchIssue,
  type GitHubClient,
  type TaskJob,
  type TaskQueue,
} from "@agent-runner/core";
import { type Logger } from "@agent-runner/runtime";
import type { AnswerLedger } from "./answer-ledger.js";
import { decideIssue, type IssuePolicy } from "./issue-decision.js";
import type { PollerMetrics } from "./poller-metrics.js";
import { issueVersion, rejectionComment } from "./rejection-comment.js";

export interface PollSummary {
  readonly status: "modified" | "not_modified";
  readonly seen: number;
  readonly enqueued: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly skipped: number;
}

export interface DispatchPollerDeps {
  readonly github: GitHubClient;
  readonly queue: TaskQueue;
  readonly ledger: AnswerLedger;
  readonly policy: IssuePolicy;
  readonly dispatchLabel: string;
  readonly metrics: PollerMetrics;
  readonly log: Logger;
  readonly now?: () => Date;
}

/**
 * One poll of the dispatch repo: list (conditionally), decide per issue,
 * enqueue the valid ones in one bulk add, answer the invalid ones once.
 * A bad issue never stops the others.
 */
export class DispatchPoller {
  private etag: string | undefined;

  constructor(private readonly deps: DispatchPollerDeps) {}

  async pollOnce(): Promise<PollSummary> {
    const { github, policy, log } = this.deps;
    const listing = await github.listOpenIssuesWithLabel(policy.dispatchRepo, this.deps.dispatchLabel, this.etag);
    if (listing.status === "not_modified") {
      return { status: "not_modified", seen: 0, enqueued: 0, duplicates: 0, rejected: 0, skipped: 0 };
    }
    const issues = [...listing.issues].sort((a, b) => a.number - b.number);
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
    const result = await this.deps.queue.enqueue(jobs);
    this.deps.metrics.enqueued(result.added.length);
    this.deps.metrics.duplicates(result.duplicates.length);
    // The ETag is kept only once everything it stands for has been handled.
    this.etag = listing.etag;
    if (result.added.length > 0) log.info({ taskIds: result.added.slice(0, 20), count: result.added.length }, "enqueued tasks");
    return {
      status: "modified",
      seen: issues.length,
      enqueued: result.added.length,
      duplicates: result.duplicates.length,
      rejected,
      skipped,
    };
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
