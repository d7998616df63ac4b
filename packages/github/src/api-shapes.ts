// GitHub's REST shapes turned into the domain's, and the queries the listings share.
import type { IssueComment, PullRequest, RepoRef } from "@agent-runner/core";

export function toComment(c: { id: number; body?: string; user: { login: string } | null; html_url: string; author_association?: string }): IssueComment {
  return { id: c.id, body: c.body ?? "", authorLogin: c.user?.login, htmlUrl: c.html_url, authorAssociation: c.author_association };
}

/** The query of a repository-wide comment listing, most recently updated first, 100 a page. */
export function newestFirst(repo: RepoRef, since: string | undefined) {
  return {
    owner: repo.owner,
    repo: repo.repo,
    sort: "updated" as const,
    direction: "desc" as const,
    ...(since === undefined ? {} : { since }),
    per_page: 100,
  };
}

/** The issue number at the end of a comment's `issue_url` (`…/issues/<n>`). */
export function issueNumberOf(issueUrl: string): number | undefined {
  return trailingNumber(/\/issues\/(\d+)$/.exec(issueUrl));
}

/** The PR number at the end of a review comment's `pull_request_url` (`…/pulls/<n>`). */
export function pullNumberOf(pullUrl: string): number | undefined {
  return trailingNumber(/\/pulls\/(\d+)$/.exec(pullUrl));
}

function trailingNumber(match: RegExpExecArray | null): number | undefined {
  const n = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function toPull(p: {
  number: number;
  html_url: string;
  state: string;
  merged_at: string | null;
  title: string;
  body: string | null;
  head: { ref: string; sha: string };
  user: { login: string } | null;
  draft?: boolean;
}): PullRequest {
  return {
    number: p.number,
    htmlUrl: p.html_url,
    state: p.state === "open" ? "open" : "closed",
    merged: p.merged_at !== null,
    title: p.title,
    body: p.body,
    headRef: p.head.ref,
    headSha: p.head.sha,
    authorLogin: p.user?.login,
    draft: p.draft === true,
  };
}
