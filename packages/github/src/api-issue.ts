import type { DispatchIssue } from "@agent-runner/core";

/** The fields of GitHub's `issue` (REST listing or webhook payload) the runner reads. */
export interface ApiIssue {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  labels: (string | { name?: string })[];
  user: { login: string } | null;
  author_association?: string;
  pull_request?: unknown;
  updated_at: string;
  comments?: number;
}

export function toDispatchIssue(item: ApiIssue): DispatchIssue {
  return {
    number: item.number,
    title: item.title,
    body: item.body ?? null,
    htmlUrl: item.html_url,
    labels: item.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter((n) => n !== ""),
    authorLogin: item.user?.login,
    authorAssociation: item.author_association ?? "NONE",
    isPullRequest: item.pull_request !== undefined && item.pull_request !== null,
    updatedAt: item.updated_at,
    comments: item.comments ?? 0,
  };
}
