import type { AuthorAssociation } from "../types.js";

/** Internal, mutable state; serializers turn these into GitHub's JSON. Times are epoch milliseconds. */
export interface RepoRecord {
  id: number;
  nodeId: string;
  owner: string;
  name: string;
  private: boolean;
  description: string | null;
  defaultBranch: string;
  /** Lower-cased logins with push access. */
  collaborators: Set<string>;
  gitDir: string;
  createdAt: number;
  updatedAt: number;
  pushedAt: number;
  labels: LabelRecord[];
  /** Issues and pull requests share one number sequence, as on GitHub. */
  issues: Map<number, IssueRecord>;
  comments: Map<number, CommentRecord>;
  /** Comments on pull requests' diffs (GitHub's pull request review comments), by id. */
  reviewComments: Map<number, ReviewCommentRecord>;
  nextNumber: number;
}

export interface LabelRecord {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface IssueRecord {
  id: number;
  nodeId: string;
  number: number;
  title: string;
  body: string | null;
  author: string;
  authorAssociation?: AuthorAssociation;
  state: "open" | "closed";
  stateReason: "completed" | "reopened" | "not_planned" | null;
  labels: LabelRecord[];
  locked: boolean;
  commentCount: number;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  closedBy: string | null;
  pull?: PullRecord;
}

export interface PullRecord {
  id: number;
  nodeId: string;
  headRef: string;
  baseRef: string;
  /** Last shas read from git; frozen once the pull request is closed. */
  headSha: string;
  baseSha: string;
  draft: boolean;
  maintainerCanModify: boolean;
  merged: boolean;
  mergedAt: number | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
}

export interface CommentRecord {
  id: number;
  nodeId: string;
  issueNumber: number;
  body: string;
  author: string;
  authorAssociation?: AuthorAssociation;
  createdAt: number;
  updatedAt: number;
}

/** A comment on a line of a pull request's diff (GitHub's pull request review comment). */
export interface ReviewCommentRecord {
  id: number;
  nodeId: string;
  /** Every review comment belongs to a review; a lone comment gets a review of its own, as on GitHub. */
  reviewId: number;
  pullNumber: number;
  body: string;
  author: string;
  authorAssociation?: AuthorAssociation;
  path: string;
  /** The line of the file at `commitId` (the right side of the diff). */
  line: number;
  /** The pull request's head when the comment was made. */
  commitId: string;
  /** Lines below the file's first hunk header (GitHub's `position`). */
  position: number;
  diffHunk: string;
  /** The top-level comment of the thread this one answers. */
  inReplyTo?: number;
  createdAt: number;
  updatedAt: number;
}
