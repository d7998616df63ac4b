import type { GitHubClient, IssueComment, PullRequest } from "../ports/github-client.js";
import type { RepoRef } from "./repo-name.js";
import type { RunnerIdentity } from "./runner-identity.js";
import { doneMarker, failedMarker } from "./task-markers.js";

/** What a task's done comment says of its PR. */
export type DonePullState = "opened" | "updated" | "merged" | "closed";

/** Said under a done comment while the PR is still a draft: GitHub's REST API cannot mark it ready. */
export function stillDraftNote(): string {
  return "The pull request is still a draft (an earlier run that hit its time limit opened it): mark it ready for review on GitHub.\n";
}

export function doneComment(taskId: string, pullUrl: string, state: DonePullState): string {
  const verb = {
    opened: "opened",
    updated: "updated",
    merged: "was already merged:",
    closed: "was closed without merging; it was left alone:",
  }[state];
  return `${doneMarker(taskId)}\n🤖 Task \`${taskId}\`: pull request ${verb} ${pullUrl}\n`;
}

/** The done comment of a task's PR, with the draft note while the PR is an open draft. */
export function doneReport(taskId: string, pull: Pick<PullRequest, "htmlUrl"> & Partial<Pick<PullRequest, "draft" | "state">>, state: DonePullState): string {
  return doneComment(taskId, pull.htmlUrl, state) + (pull.draft === true && pull.state === "open" ? stillDraftNote() : "");
}

/**
 * The task's newest report comment (done or failed) that the runner wrote.
 * A marker anyone else wrote is a copy and counts for nothing.
 */
export function runnerReport(comments: readonly IssueComment[], runner: RunnerIdentity, taskId: string, kinds: readonly ("done" | "failed")[] = ["done", "failed"]): IssueComment | undefined {
  const markers = kinds.map((kind) => (kind === "done" ? doneMarker(taskId) : failedMarker(taskId)));
  return comments.filter((c) => runner.wrote(c.authorLogin) && markers.some((m) => c.body.includes(m))).at(-1);
}

/** Whether the runner already said `pullUrl` on the issue, in any of its comments. */
export function runnerMentioned(comments: readonly IssueComment[], runner: RunnerIdentity, pullUrl: string): boolean {
  return comments.some((c) => runner.wrote(c.authorLogin) && c.body.includes(pullUrl));
}

/**
 * Makes the task's report on its dispatch issue announce its PR, given the
 * comments as they read now: the runner's done comment is edited to `body`
 * (never a second one), or the one comment is posted. Returns what it wrote.
 */
export async function announcePull(
  github: GitHubClient,
  issue: { readonly repo: RepoRef; readonly issueNumber: number },
  comments: readonly IssueComment[],
  runner: RunnerIdentity,
  taskId: string,
  body: string,
): Promise<"posted" | "edited" | "unchanged"> {
  const ours = runnerReport(comments, runner, taskId, ["done"]);
  if (ours !== undefined && ours.body === body) return "unchanged";
  if (ours !== undefined) {
    await github.updateIssueComment(issue.repo, ours.id, body);
    return "edited";
  }
  await github.createIssueComment(issue.repo, issue.issueNumber, body);
  return "posted";
}
