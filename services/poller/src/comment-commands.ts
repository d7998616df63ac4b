import type { DispatchIssue, GitHubClient, IssueComment, OwnCommentTally, RepoRef, TaskJob, TaskQueue, TaskRuns } from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { AnswerLedger } from "./answer-ledger.js";
import { isTrustedActor, type IssuePolicy } from "./issue-decision.js";
import type { TaskCanceller } from "./task-canceller.js";
import type { TaskTracker } from "./task-tracker.js";

export type AgentCommand = "retry" | "cancel";

/**
 * The command a comment gives, if any: its first non-blank line is exactly
 * `<prefix> retry` or `<prefix> cancel` (case and surrounding space ignored).
 */
export function parseCommand(body: string, prefix: string): AgentCommand | undefined {
  const first = body.split(/\r?\n/).find((line) => line.trim() !== "");
  const words = first?.trim().split(/\s+/) ?? [];
  if (words.length !== 2 || words[0]?.toLowerCase() !== prefix.toLowerCase()) return undefined;
  const verb = words[1]?.toLowerCase();
  return verb === "retry" || verb === "cancel" ? verb : undefined;
}

export interface CommentCommandsDeps {
  readonly github: GitHubClient;
  readonly queue: TaskQueue;
  readonly runs: TaskRuns;
  readonly tracker: TaskTracker;
  readonly canceller: TaskCanceller;
  /** Claims each command comment once, whichever path (poll, webhook) sees it first. */
  readonly ledger: AnswerLedger;
  /** The runner's own comments per issue: a count that only they moved needs no look-up. */
  readonly ownComments: OwnCommentTally;
  readonly policy: IssuePolicy;
  readonly prefix: string;
  readonly log: Logger;
}

/** Builds the job an issue stands for now (trust and parsing run again), or undefined when it stands for none. */
export type JobForIssue = (issue: DispatchIssue) => TaskJob | undefined;

/**
 * `/agent retry` and `/agent cancel` from trusted commenters on a task's
 * dispatch issue. Untrusted commenters get no reply: a reply would be a way
 * for anyone to make the runner write. Comments are listed only for issues
 * that have a task and have gained a comment the runner did not write.
 */
export class CommentCommands {
  /** Per issue, how many of its comments were someone else's at the last look. */
  private readonly othersSeen = new Map<number, number>();

  constructor(private readonly deps: CommentCommandsDeps) {}

  /**
   * The poll's path: the listed issues, of which only those with a task and a
   * new comment by someone else cost a request. Someone else's comments are
   * the issue's count less the runner's own; the two are read at slightly
   * different moments, so a comment of the runner's counted late makes one
   * look-up too many, never one too few that is not made up at the next poll.
   */
  async check(issues: readonly DispatchIssue[], jobFor: JobForIssue): Promise<void> {
    const tracked = new Map([...(await this.deps.runs.tracked())].map(([taskId, issue]) => [issue, taskId]));
    for (const issue of issues) {
      if (!tracked.has(issue.number)) continue;
      try {
        const others = issue.comments - (await this.deps.ownComments.count(issue.number));
        // Unknown (first sight, a restart): any comment by someone else may be a command.
        const seen = this.othersSeen.get(issue.number) ?? 0;
        if (others > seen) {
          const comments = await this.deps.github.listIssueComments(this.deps.policy.dispatchRepo, issue.number);
          await this.handle(issue, comments, jobFor);
        }
        this.othersSeen.set(issue.number, others);
      } catch (error) {
        this.deps.log.warn({ err: error, issue: issue.number }, "could not read commands; will look again next poll");
      }
    }
  }

  /**
   * Acts on the commands among `comments` not acted on before. Several at
   * once act once: the last one says what the task does. The webhook path
   * calls this with the one comment an `issue_comment` event carries.
   */
  async handle(issue: DispatchIssue, comments: readonly IssueComment[], jobFor: JobForIssue): Promise<AgentCommand | undefined> {
    let last: AgentCommand | undefined;
    for (const comment of comments) {
      const command = parseCommand(comment.body, this.deps.prefix);
      if (command === undefined || !isTrustedActor(comment.authorLogin, comment.authorAssociation, this.deps.policy)) continue;
      if (!(await this.deps.ledger.claim(commandKey(this.deps.policy.dispatchRepo, issue.number, comment.id)))) continue;
      last = command;
    }
    if (last === "cancel") await this.cancel(issue);
    if (last === "retry") await this.retry(issue, jobFor);
    return last;
  }

  private async cancel(issue: DispatchIssue): Promise<void> {
    const job = await this.trackedTask(issue.number);
    if (job === undefined) return;
    await this.deps.tracker.hold(job);
    await this.deps.canceller.cancel(job, issue.number, "command");
    this.deps.log.info({ taskId: job, issue: issue.number }, "cancelled by command");
  }

  private async retry(issue: DispatchIssue, jobFor: JobForIssue): Promise<void> {
    const job = jobFor(issue);
    if (job === undefined) return;
    const run = await this.deps.tracker.retry({ ...job, retried: true });
    if (run !== undefined) await this.deps.queue.enqueue([run]);
    this.deps.log.info({ taskId: job.taskId, issue: issue.number, run: run?.run ?? "waiting" }, "retried by command");
  }

  private async trackedTask(issueNumber: number): Promise<string | undefined> {
    for (const [taskId, issue] of await this.deps.runs.tracked()) if (issue === issueNumber) return taskId;
    return undefined;
  }
}

function commandKey(repo: RepoRef, issueNumber: number, commentId: number): string {
  return `command:${repo.owner}/${repo.repo}#${issueNumber}:${commentId}`;
}
