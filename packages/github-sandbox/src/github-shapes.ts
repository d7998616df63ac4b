// The REST shapes the sandbox serves, as GitHub's REST API returns them (main fields typed).

export type AuthorAssociation =
  | "OWNER"
  | "MEMBER"
  | "COLLABORATOR"
  | "CONTRIBUTOR"
  | "FIRST_TIMER"
  | "FIRST_TIME_CONTRIBUTOR"
  | "MANNEQUIN"
  | "NONE";

export interface GitHubUser {
  login: string;
  id: number;
  node_id: string;
  avatar_url: string;
  gravatar_id: string | null;
  url: string;
  html_url: string;
  followers_url: string;
  following_url: string;
  gists_url: string;
  starred_url: string;
  subscriptions_url: string;
  organizations_url: string;
  repos_url: string;
  events_url: string;
  received_events_url: string;
  type: "User" | "Organization" | "Bot";
  user_view_type: string;
  site_admin: boolean;
}

export interface Label {
  id: number;
  node_id: string;
  url: string;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
}

/** A repository as GitHub's `GET /repos/{owner}/{repo}` returns it (main fields typed). */
export interface RepoInfo {
  id: number;
  node_id: string;
  name: string;
  full_name: string;
  owner: GitHubUser;
  private: boolean;
  visibility: string;
  html_url: string;
  url: string;
  clone_url: string;
  default_branch: string;
  description: string | null;
  open_issues_count: number;
  created_at: string;
  updated_at: string;
  pushed_at: string;
  [field: string]: unknown;
}

/** An issue (or the issue side of a pull request) as GitHub's REST API returns it. */
export interface Issue {
  id: number;
  node_id: string;
  number: number;
  title: string;
  body: string | null;
  user: GitHubUser;
  labels: Label[];
  state: "open" | "closed";
  state_reason: "completed" | "reopened" | "not_planned" | "duplicate" | null;
  locked: boolean;
  assignee: GitHubUser | null;
  assignees: GitHubUser[];
  milestone: null;
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  author_association: AuthorAssociation;
  url: string;
  repository_url: string;
  labels_url: string;
  comments_url: string;
  events_url: string;
  html_url: string;
  pull_request?: { url: string; html_url: string; diff_url: string; patch_url: string; merged_at: string | null };
  [field: string]: unknown;
}

export interface Comment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: GitHubUser;
  created_at: string;
  updated_at: string;
  author_association: AuthorAssociation;
  [field: string]: unknown;
}

/** A comment on a pull request's diff, as GitHub's REST API returns it (main fields typed). */
export interface ReviewComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  pull_request_url: string;
  pull_request_review_id: number | null;
  in_reply_to_id?: number;
  path: string;
  line: number;
  body: string;
  user: GitHubUser;
  created_at: string;
  updated_at: string;
  author_association: AuthorAssociation;
  [field: string]: unknown;
}

export interface CreateReviewCommentInput {
  body: string;
  /** Author login; default the owner user. Unknown logins are created as users. */
  user?: string;
  /** A file the pull request changes (required unless `inReplyTo`). */
  path?: string;
  /** A right-side line of that file inside the pull request's diff (required unless `inReplyTo`). */
  line?: number;
  /** The id of a review comment on the same pull request: the new one answers its thread. */
  inReplyTo?: number;
}

export interface PullRef {
  label: string;
  ref: string;
  sha: string;
  user: GitHubUser;
  repo: Record<string, unknown>;
}

/** A pull request as GitHub's `GET /repos/{owner}/{repo}/pulls` lists it. */
export interface PullSummary {
  id: number;
  node_id: string;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  user: GitHubUser;
  labels: Label[];
  head: PullRef;
  base: PullRef;
  draft: boolean;
  merged_at: string | null;
  merge_commit_sha: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
  url: string;
  html_url: string;
  issue_url: string;
  [field: string]: unknown;
}

/** The admin view of a pull request: the list shape plus `merged`. */
export interface Pull extends PullSummary {
  merged: boolean;
}
