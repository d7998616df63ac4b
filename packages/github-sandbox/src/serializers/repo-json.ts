import { toGitHubTime } from "../github-time.js";
import type { RepoRecord } from "../state/records.js";
import type { RepoInfo } from "../types.js";
import type { JsonContext } from "./json-context.js";
import { userJson } from "./user-json.js";

export function repoApiUrl(ctx: JsonContext, repo: RepoRecord): string {
  return `${ctx.urls.api}/repos/${repo.owner}/${repo.name}`;
}

export function repoHtmlUrl(ctx: JsonContext, repo: RepoRecord): string {
  return `${ctx.urls.origin}/${repo.owner}/${repo.name}`;
}

export function cloneUrl(ctx: JsonContext, repo: RepoRecord): string {
  return `${ctx.urls.git}/${repo.owner}/${repo.name}.git`;
}

/**
 * GitHub's `repository` schema, as embedded in pull requests and webhooks. `viewer`, when given,
 * adds the `permissions` block GitHub includes for an authenticated caller.
 */
export function repoJson(ctx: JsonContext, repo: RepoRecord, viewer?: string): RepoInfo {
  const url = repoApiUrl(ctx, repo);
  const htmlUrl = repoHtmlUrl(ctx, repo);
  const host = new URL(ctx.urls.origin).host;
  const openIssues = [...repo.issues.values()].filter((issue) => issue.state === "open").length;
  return {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: repo.private,
    owner: userJson(ctx, repo.owner),
    html_url: htmlUrl,
    description: repo.description,
    fork: false,
    url,
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`,
    created_at: toGitHubTime(repo.createdAt),
    updated_at: toGitHubTime(repo.updatedAt),
    pushed_at: toGitHubTime(repo.pushedAt),
    git_url: `git://${host}/${repo.owner}/${repo.name}.git`,
    ssh_url: `git@${host}:${repo.owner}/${repo.name}.git`,
    clone_url: cloneUrl(ctx, repo),
    svn_url: htmlUrl,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: repo.private ? "private" : "public",
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
    default_branch: repo.defaultBranch,
    ...(viewer === undefined ? {} : { permissions: permissionsJson(ctx, repo, viewer) }),
  };
}

/** GitHub's `full-repository` (GET /repos/{owner}/{repo}). */
export function fullRepoJson(ctx: JsonContext, repo: RepoRecord, viewer: string): RepoInfo {
  return { ...repoJson(ctx, repo, viewer), network_count: 0, subscribers_count: 0 };
}

function permissionsJson(ctx: JsonContext, repo: RepoRecord, viewer: string) {
  const permission = ctx.state.permission(repo, viewer);
  const admin = permission === "admin";
  const push = admin || permission === "write";
  return { admin, maintain: admin, push, triage: push, pull: permission !== "none" };
}
