import type { RepoRef } from "../task/repo-name.js";

export interface RepoInfo {
  readonly fullName: string;
  readonly cloneUrl: string;
  readonly defaultBranch: string;
  readonly htmlUrl: string;
  readonly private: boolean;
}

export interface IssueLabel {
  readonly name: string;
}

export interface DispatchIssue {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly htmlUrl: string;
  readonly labels: readonly string[];
  readonly authorLogin: string | undefined;
  readonly authorAssociation: string;
  readonly isPullRequest: boolean;
  readonly updatedAt: string;
  /** How many comments the issue has (GitHub's `comments`): compared with the runner's own to spot new ones. */
  readonly comments: number;
}

export interface IssueComment {
  readonly id: number;
  readonly body: string;
  readonly authorLogin: string | undefined;
  /** The commenter's relation to the repository (OWNER, MEMBER, ...): what trusts a command. */
  readonly authorAssociation?: string;
  readonly htmlUrl: string;
}

/** A comment in a repository-wide listing: on which issue or PR it is, and when it last changed. */
export interface RepoComment extends IssueComment {
  /** The issue or PR the comment is on (they share one number sequence). */
  readonly issueNumber: number;
  readonly updatedAt: string;
}

/** A comment on a line of a PR's diff (GitHub's pull request review comment), from a repository-wide listing. */
export interface ReviewComment extends IssueComment {
  /** The PR the comment is on. */
  readonly pullNumber: number;
  /** The file it is on, as GitHub names it (a name from the repository: untrusted text). */
  readonly path: string;
  /** The line of that file (the last of a range); undefined for a comment on a whole file or an outdated one. */
  readonly line: number | undefined;
  readonly updatedAt: string;
}

export type ListRepoReviewCommentsResult =
  | { readonly status: "modified"; readonly etag: string | undefined; readonly comments: ReviewComment[] }
  | { readonly status: "not_modified" };

export interface ListCommentsOptions {
  readonly etag?: string | undefined;
  /** ISO time: only comments updated at or after it. */
  readonly since?: string | undefined;
}

export type ListRepoCommentsResult =
  | { readonly status: "modified"; readonly etag: string | undefined; readonly comments: RepoComment[] }
  | { readonly status: "not_modified" };

export interface PullRequest {
  readonly number: number;
  readonly htmlUrl: string;
  readonly state: "open" | "closed";
  readonly merged: boolean;
  readonly title: string;
  readonly body: string | null;
  readonly headRef: string;
  readonly headSha: string;
  /** Who opened it; undefined for a deleted account ("ghost"). */
  readonly authorLogin: string | undefined;
  /** A draft PR (opened by a run that hit its timeout); absent reads as not a draft. */
  readonly draft?: boolean;
}

/** A repository the token cannot see is "not found" too: GitHub does not tell the two apart. */
export type RepoLookup = { readonly kind: "found"; readonly repo: RepoInfo } | { readonly kind: "not_found" };

/** GitHub allows one open PR per head branch: a second create is answered "already exists". */
export type CreatePullResult = { readonly kind: "created"; readonly pull: PullRequest } | { readonly kind: "already_exists" };

export interface ListIssuesOptions {
  readonly etag?: string | undefined;
  readonly since?: string | undefined;
}

export type ListIssuesResult =
  | { readonly status: "modified"; readonly etag: string | undefined; readonly issues: DispatchIssue[] }
  | { readonly status: "not_modified" };

/** A branch and the commit it points at. */
export interface BranchRef {
  readonly name: string;
  readonly sha: string;
}

export type ListBranchesResult =
  | { readonly status: "modified"; readonly etag: string | undefined; readonly branches: BranchRef[] }
  | { readonly status: "not_modified" };

/**
 * The slice of GitHub's REST API agent-runner needs. Answers the domain
 * expects (a missing repository, a PR that already exists) are results;
 * failures are thrown as `GitHubApiError`, already stripped of request details.
 */
export interface GitHubClient {
  /** The login the token acts as: what the runner's own PRs and comments are authored by. */
  getAuthenticatedLogin(): Promise<string>;
  getRepo(repo: RepoRef): Promise<RepoLookup>;
  /**
   * Open issues with `label`, most recently updated first, every page. `etag` of the previous
   * first page of the same query makes an idle poll free; `since` (ISO time) keeps only issues
   * updated at or after it.
   */
  listOpenIssuesWithLabel(repo: RepoRef, label: string, options?: ListIssuesOptions): Promise<ListIssuesResult>;
  listIssueComments(repo: RepoRef, issueNumber: number): Promise<IssueComment[]>;
  createIssueComment(repo: RepoRef, issueNumber: number, body: string): Promise<IssueComment>;
  /** Replaces a comment's body: a task's report is edited in place on each new run. */
  updateIssueComment(repo: RepoRef, commentId: number, body: string): Promise<IssueComment>;
  addLabels(repo: RepoRef, issueNumber: number, labels: string[]): Promise<void>;
  /** Every PR (any state) whose head is `headOwner:branch`. */
  findPullsByHead(repo: RepoRef, headOwner: string, branch: string): Promise<PullRequest[]>;
  createPull(
    repo: RepoRef,
    input: { title: string; body: string; head: string; base: string; draft?: boolean },
  ): Promise<CreatePullResult>;
  updatePull(repo: RepoRef, pullNumber: number, input: { title: string; body: string }): Promise<PullRequest>;
  /** Closes a PR without merging it (CLOSE_PR_ON_CANCEL). */
  closePull(repo: RepoRef, pullNumber: number): Promise<PullRequest>;
  /**
   * Branches whose name starts with `prefix` (one listing of matching refs); `etag` of the previous
   * answer to the same query makes an unchanged one free.
   */
  listBranchesWithPrefix(repo: RepoRef, prefix: string, options?: { readonly etag?: string | undefined }): Promise<ListBranchesResult>;
  /** Deletes a branch; "not_found" when it is already gone. */
  deleteBranch(repo: RepoRef, branch: string): Promise<"deleted" | "not_found">;
  /**
   * Conversation comments on every issue and PR of a repository, most recently updated first
   * (at most a few pages: the newest). `etag` of the previous first page of the same query makes
   * an idle look free (304); `since` keeps only comments updated at or after it.
   */
  listRepoIssueComments(repo: RepoRef, options?: ListCommentsOptions): Promise<ListRepoCommentsResult>;
  /**
   * Comments on the diffs of every PR of a repository (review comments), most recently updated
   * first (at most a few pages: the newest), with the same `etag` and `since` as listRepoIssueComments.
   */
  listRepoReviewComments(repo: RepoRef, options?: ListCommentsOptions): Promise<ListRepoReviewCommentsResult>;
  /** One PR as it reads now; undefined when there is none with that number (an issue is none). */
  getPull(repo: RepoRef, pullNumber: number): Promise<PullRequest | undefined>;
  /** One issue as it reads now; undefined when it does not exist (or the token cannot see it). */
  getIssue(repo: RepoRef, issueNumber: number): Promise<DispatchIssue | undefined>;
}
