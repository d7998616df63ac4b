import { NoChangesError, doneReport, type GitHubClient, type PullRequest, type RepoRef } from "@agent-runner/core";
import { doneMarker, failedMarker } from "@agent-runner/core";
import { failureComment, incompleteComment, noChangeComment } from "../report/pull-request-content.js";
import type { RunnerIdentity } from "@agent-runner/core";

export type PullState = "opened" | "updated" | "merged" | "closed";

export interface DispatchIssueRef {
  readonly repo: RepoRef;
  readonly issueNumber: number;
  readonly taskId: string;
  /** Which run of the task reports (absent: the first). */
  readonly run?: number;
}

/**
 * The only writer to a task's dispatch issue: one done comment or one failure
 * comment per task (each found again by its hidden marker), and the label.
 * A later run (after an edit or a cancel) edits the task's comment in place.
 * A marker counts only in a comment the runner wrote: anyone who may comment
 * can copy one, and must not be able to silence the runner's report.
 */
export class DispatchReporter {
  constructor(
    private readonly github: GitHubClient,
    private readonly runner: RunnerIdentity,
    private readonly issue: DispatchIssueRef,
    private readonly processedLabel: string,
  ) {}

  /**
   * Announces the task's PR. `mayBeAnnounced` is false only for a PR this very
   * attempt created, which cannot have been announced: the look-up is skipped.
   */
  async done(pull: PullRequest, state: PullState, mayBeAnnounced: boolean): Promise<void> {
    const { taskId } = this.issue;
    await this.postOnce(doneMarker(taskId), this.withRun(doneReport(taskId, pull, state)), mayBeAnnounced);
  }

  /**
   * Says the run hit its time limit and its work waits in a draft PR. It is the
   * task's failure comment: a later run edits it in place with its own report.
   */
  async incomplete(pull: PullRequest, mayBeAnnounced: boolean): Promise<void> {
    const { taskId } = this.issue;
    await this.postOnce(failedMarker(taskId), this.withRun(incompleteComment(taskId, pull.htmlUrl)), mayBeAnnounced);
  }

  /**
   * Explains a failure nobody will retry. `exhausted` says it was worth
   * retrying and ran out of attempts; a task whose change step changed
   * nothing gets its own explanation.
   */
  async failed(error: unknown, exhausted: boolean): Promise<void> {
    const { taskId } = this.issue;
    const body =
      error instanceof NoChangesError
        ? noChangeComment(taskId, error.userMessage)
        : failureComment(taskId, userMessageOf(error), exhausted);
    // A later failure of the same run (a job requeued from the board) replaces the reason in place.
    await this.postOnce(failedMarker(taskId), this.withRun(body), true, true);
  }

  async markProcessed(): Promise<void> {
    await this.github.addLabels(this.issue.repo, this.issue.issueNumber, [this.processedLabel]);
  }

  private async postOnce(marker: string, body: string, lookFirst: boolean, refresh = false): Promise<void> {
    const { repo, issueNumber } = this.issue;
    if ((this.issue.run ?? 1) > 1) {
      await this.editInPlace(body);
      return;
    }
    if (lookFirst) {
      const comments = await this.github.listIssueComments(repo, issueNumber);
      const ours = comments.filter((c) => this.runner.wrote(c.authorLogin) && c.body.includes(marker)).at(-1);
      if (ours !== undefined && refresh && ours.body !== body) await this.github.updateIssueComment(repo, ours.id, body);
      if (ours !== undefined) return;
    }
    await this.github.createIssueComment(repo, issueNumber, body);
  }

  /** Runs after the first say which run they are, so an edit in place is visibly new. */
  private withRun(body: string): string {
    const run = this.issue.run ?? 1;
    return run > 1 ? `${body}\n(run ${run} of this task)\n` : body;
  }

  /** The task's newest comment the runner wrote (done or failed) gets this run's report. */
  private async editInPlace(body: string): Promise<void> {
    const { repo, issueNumber, taskId } = this.issue;
    const markers = [doneMarker(taskId), failedMarker(taskId)];
    const comments = await this.github.listIssueComments(repo, issueNumber);
    const ours = comments.filter((c) => this.runner.wrote(c.authorLogin) && markers.some((m) => c.body.includes(m))).at(-1);
    if (ours === undefined) await this.github.createIssueComment(repo, issueNumber, body);
    else if (ours.body !== body) await this.github.updateIssueComment(repo, ours.id, body);
  }
}

function userMessageOf(error: unknown): string {
  if (error instanceof Error && "userMessage" in error) return String(error.userMessage);
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
