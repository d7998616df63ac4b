import type { RepoRef } from "../task/repo-name.js";
import type { GitHubClient } from "./github-client.js";

/**
 * How many comments the runner itself has written on each dispatch issue.
 * The poller compares it with the issue's `comments` count to tell whether
 * anyone else has commented (a possible `/agent` command) without listing
 * the comments: the runner's own "PR opened" comment then costs no look-up.
 */
export interface OwnCommentTally {
  /** Counts one more comment the runner wrote on `issueNumber`. */
  add(issueNumber: number): Promise<void>;
  count(issueNumber: number): Promise<number>;
}

/**
 * `github` with every comment it creates on the dispatch repo's issues
 * counted in `tally`, after GitHub has accepted it. A tally that fails to
 * count is only an extra comment listing later: the comment itself went
 * out, so the error is handed to `onTallyError`, never thrown (a throw
 * would make the caller retry, and repeat, the comment).
 */
export function countingOwnComments(
  github: GitHubClient,
  tally: OwnCommentTally,
  dispatchRepo: RepoRef,
  onTallyError: (error: unknown) => void,
): GitHubClient {
  const createIssueComment: GitHubClient["createIssueComment"] = async (repo, issueNumber, body) => {
    const comment = await github.createIssueComment(repo, issueNumber, body);
    if (sameRepo(repo, dispatchRepo)) await tally.add(issueNumber).catch(onTallyError);
    return comment;
  };
  return new Proxy(github, {
    get(target, property) {
      if (property === "createIssueComment") return createIssueComment;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function sameRepo(a: RepoRef, b: RepoRef): boolean {
  return a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}
