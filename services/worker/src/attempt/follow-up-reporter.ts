import {
  NoChangesError,
  describeReviewPlace,
  followUpKind,
  followUpMarker,
  type FollowUp,
  type GitHubClient,
  type PullRequest,
  type RepoRef,
} from "@agent-runner/core";
import type { RunnerIdentity } from "@agent-runner/core";

/**
 * The one reply to a follow-up comment, on the task's PR: what the run did,
 * posted in the PR's conversation for an inline review comment too (with a
 * link to it and where it sits), so one look-up finds an earlier reply
 * whichever kind of comment asked,
 * or why it did nothing. Found again by its hidden marker (in a comment the
 * runner's own login wrote) before posting, so a retried or crashed attempt
 * never replies twice; a later failure of the same follow-up edits the reply.
 */
export class FollowUpReporter {
  constructor(
    private readonly github: GitHubClient,
    private readonly runner: RunnerIdentity,
    private readonly target: RepoRef,
    private readonly taskId: string,
    private readonly followUp: FollowUp,
  ) {}

  async done(sha: string): Promise<void> {
    await this.postOnce(`🤖 Pushed ${sha.slice(0, 12)} to this pull request for ${this.link()}.`);
  }

  async unchanged(summary: string): Promise<void> {
    const detail = summary.trim() === "" ? "" : `\n\n${quote(summary)}`;
    await this.postOnce(`ℹ️ The change step changed nothing for ${this.link()}, so nothing was pushed.${detail}`);
  }

  async closed(pull: PullRequest): Promise<void> {
    const next = pull.merged
      ? "Open a new dispatch issue for more work."
      : "Reopen it and comment again, or comment `/agent retry` on the dispatch issue for a new pull request.";
    await this.postOnce(`ℹ️ This pull request is ${pull.merged ? "merged" : "closed"}, so the runner did not act on ${this.link()}; nothing was pushed. ${next}`);
  }

  async failed(error: unknown): Promise<void> {
    const message = error instanceof NoChangesError ? error.userMessage : userMessageOf(error);
    await this.postOnce(`⚠️ The runner could not act on ${this.link()}: ${message}\n\nComment again to try once more.`, true);
  }

  private link(): string {
    const { review, url } = this.followUp;
    return review === undefined ? `[this follow-up](${url})` : `[this review comment](${url}) on ${describeReviewPlace(review)}`;
  }

  private async postOnce(text: string, refresh = false): Promise<void> {
    const marker = followUpMarker(this.taskId, this.followUp.commentId, followUpKind(this.followUp));
    const body = `${marker}\n${text}\n`;
    const comments = await this.github.listIssueComments(this.target, this.followUp.pull);
    const ours = comments.filter((c) => this.runner.wrote(c.authorLogin) && c.body.includes(marker)).at(-1);
    if (ours === undefined) await this.github.createIssueComment(this.target, this.followUp.pull, body);
    else if (refresh && ours.body !== body) await this.github.updateIssueComment(this.target, ours.id, body);
  }
}

function quote(text: string): string {
  const bounded = text.length > 2000 ? `${text.slice(0, 1997)}...` : text;
  return bounded
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
}

function userMessageOf(error: unknown): string {
  if (error instanceof Error && "userMessage" in error) return String(error.userMessage);
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
