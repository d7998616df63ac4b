import type { DiffStats } from "../git/bare-repo.js";
import { toGitHubTime } from "../github-time.js";
import type { IssueRecord, PullRecord, RepoRecord } from "../state/records.js";
import type { Pull, PullRef, PullSummary } from "../types.js";
import { issueApiUrl } from "./issue-json.js";
import type { JsonContext } from "./json-context.js";
import { labelJson } from "./label-json.js";
import { repoApiUrl, repoHtmlUrl, repoJson } from "./repo-json.js";
import { userJson } from "./user-json.js";

/** What only a single pull request read computes (it needs git work per pull request). */
export interface PullDetails {
  stats: DiffStats;
  /** null while unknown, as GitHub answers before its background job ran. */
  mergeable: boolean | null;
}

/** GitHub's `pull-request-simple` (the list), or `pull-request` when details are given. */
export function pullJson(ctx: JsonContext, repo: RepoRecord, issue: IssueRecord, details?: PullDetails): PullSummary {
  const pull = requirePull(issue);
  const simple = simplePullJson(ctx, repo, issue, pull);
  return details === undefined ? simple : { ...simple, ...fullPullFields(ctx, repo, issue, pull, details) };
}

/** The admin view: the list shape plus `merged`, which the list omits. */
export function adminPullJson(ctx: JsonContext, repo: RepoRecord, issue: IssueRecord): Pull {
  return { ...pullJson(ctx, repo, issue), merged: requirePull(issue).merged };
}

function simplePullJson(ctx: JsonContext, repo: RepoRecord, issue: IssueRecord, pull: PullRecord): PullSummary {
  const url = `${repoApiUrl(ctx, repo)}/pulls/${issue.number}`;
  const html = `${repoHtmlUrl(ctx, repo)}/pull/${issue.number}`;
  const issueUrl = issueApiUrl(ctx, repo, issue.number);
  const statusesUrl = `${repoApiUrl(ctx, repo)}/statuses/${pull.headSha}`;
  return {
    url,
    id: pull.id,
    node_id: pull.nodeId,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    number: issue.number,
    state: issue.state,
    locked: issue.locked,
    title: issue.title,
    user: userJson(ctx, issue.author),
    body: issue.body,
    created_at: toGitHubTime(issue.createdAt),
    updated_at: toGitHubTime(issue.updatedAt),
    closed_at: issue.closedAt === null ? null : toGitHubTime(issue.closedAt),
    merged_at: pull.mergedAt === null ? null : toGitHubTime(pull.mergedAt),
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    labels: issue.labels.map((label) => labelJson(ctx, repo, label)),
    milestone: null,
    draft: pull.draft,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repoApiUrl(ctx, repo)}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: statusesUrl,
    head: pullRef(ctx, repo, pull.headRef, pull.headSha),
    base: pullRef(ctx, repo, pull.baseRef, pull.baseSha),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${repoApiUrl(ctx, repo)}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: statusesUrl },
    },
    author_association: issue.authorAssociation ?? ctx.state.association(repo, issue.author),
    auto_merge: null,
    active_lock_reason: null,
  };
}

function fullPullFields(ctx: JsonContext, repo: RepoRecord, issue: IssueRecord, pull: PullRecord, details: PullDetails) {
  const open = issue.state === "open";
  return {
    merged: pull.merged,
    mergeable: open ? details.mergeable : null,
    rebaseable: open ? details.mergeable : null,
    mergeable_state: !open || details.mergeable === null ? "unknown" : details.mergeable ? "clean" : "dirty",
    merged_by: pull.mergedBy === null ? null : userJson(ctx, pull.mergedBy),
    comments: issue.commentCount,
    review_comments: ctx.state.reviewCommentsOf(repo, issue.number).length,
    maintainer_can_modify: pull.maintainerCanModify,
    commits: details.stats.commits,
    additions: details.stats.additions,
    deletions: details.stats.deletions,
    changed_files: details.stats.changedFiles,
  };
}

function pullRef(ctx: JsonContext, repo: RepoRecord, ref: string, sha: string): PullRef {
  return { label: `${repo.owner}:${ref}`, ref, sha, user: userJson(ctx, repo.owner), repo: repoJson(ctx, repo) };
}

function requirePull(issue: IssueRecord): PullRecord {
  if (!issue.pull) throw new Error(`#${issue.number} is not a pull request`);
  return issue.pull;
}
