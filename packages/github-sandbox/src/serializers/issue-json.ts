import { toGitHubTime } from "../github-time.js";
import type { IssueRecord, RepoRecord } from "../state/records.js";
import type { Issue } from "../types.js";
import type { JsonContext } from "./json-context.js";
import { labelJson } from "./label-json.js";
import { repoApiUrl, repoHtmlUrl } from "./repo-json.js";
import { userJson } from "./user-json.js";

export function issueApiUrl(ctx: JsonContext, repo: RepoRecord, number: number): string {
  return `${repoApiUrl(ctx, repo)}/issues/${number}`;
}

/** GitHub's `issue`; pull requests carry the `pull_request` key, as in the issues list. */
export function issueJson(ctx: JsonContext, repo: RepoRecord, issue: IssueRecord): Issue {
  const url = issueApiUrl(ctx, repo, issue.number);
  const htmlKind = issue.pull ? "pull" : "issues";
  return {
    url,
    repository_url: repoApiUrl(ctx, repo),
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${repoHtmlUrl(ctx, repo)}/${htmlKind}/${issue.number}`,
    id: issue.id,
    node_id: issue.nodeId,
    number: issue.number,
    title: issue.title,
    user: userJson(ctx, issue.author),
    labels: issue.labels.map((label) => labelJson(ctx, repo, label)),
    state: issue.state,
    locked: issue.locked,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: issue.commentCount,
    created_at: toGitHubTime(issue.createdAt),
    updated_at: toGitHubTime(issue.updatedAt),
    closed_at: issue.closedAt === null ? null : toGitHubTime(issue.closedAt),
    author_association: issue.authorAssociation ?? ctx.state.association(repo, issue.author),
    active_lock_reason: null,
    ...(issue.pull ? { draft: issue.pull.draft, pull_request: pullRequestLink(ctx, repo, issue) } : {}),
    body: issue.body,
    reactions: reactionsJson(url),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    state_reason: issue.stateReason,
  };
}

/** Single-issue reads also say who closed it (the list omits it), as on GitHub. */
export function singleIssueJson(ctx: JsonContext, repo: RepoRecord, issue: IssueRecord): Issue {
  return { ...issueJson(ctx, repo, issue), closed_by: issue.closedBy === null ? null : userJson(ctx, issue.closedBy) };
}

function pullRequestLink(ctx: JsonContext, repo: RepoRecord, issue: IssueRecord) {
  const html = `${repoHtmlUrl(ctx, repo)}/pull/${issue.number}`;
  const mergedAt = issue.pull?.mergedAt ?? null;
  return {
    url: `${repoApiUrl(ctx, repo)}/pulls/${issue.number}`,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    merged_at: mergedAt === null ? null : toGitHubTime(mergedAt),
  };
}

export function reactionsJson(subjectUrl: string) {
  return {
    url: `${subjectUrl}/reactions`,
    total_count: 0,
    "+1": 0,
    "-1": 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0,
  };
}
