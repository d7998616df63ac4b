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
