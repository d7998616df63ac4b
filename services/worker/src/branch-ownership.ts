import type { PullRequest } from "@agent-runner/core";
import { taskIdInBody } from "./report/markers.js";

export type BranchClaim =
  | { readonly kind: "free" } // neither branch nor PR exists: ours to create
  | { readonly kind: "ours"; readonly branchExists: boolean; readonly pull: PullRequest | undefined }
  | { readonly kind: "taken"; readonly why: string };

export interface BranchEvidence {
  readonly taskId: string;
  readonly branchExists: boolean;
  /** Commit messages on the branch that the default branch lacks. */
  readonly aheadMessages: readonly string[];
  readonly pulls: readonly PullRequest[];
}

/**
 * Decides whether a candidate branch belongs to this task. Another task's work
 * (a PR naming another id, commits with another Task-Id) is never touched; a
 * branch we cannot attribute is treated as someone else's.
 */
export function claimBranch(evidence: BranchEvidence): BranchClaim {
  const ours = evidence.pulls.filter((p) => taskIdInBody(p.body) === evidence.taskId);
  const foreign = evidence.pulls.find((p) => taskIdInBody(p.body) !== evidence.taskId);
  if (foreign !== undefined && ours.length === 0) {
    return { kind: "taken", why: `pull request #${foreign.number} belongs to another task` };
  }
  // Prefer an open PR, then a merged one, then the newest.
  const pull =
    ours.find((p) => p.state === "open") ?? ours.find((p) => p.merged) ?? [...ours].sort((a, b) => b.number - a.number)[0];
  if (pull !== undefined) return { kind: "ours", branchExists: evidence.branchExists, pull };
  if (!evidence.branchExists) return { kind: "free" };
  const trailers = evidence.aheadMessages.map(taskIdTrailer);
  if (trailers.includes(evidence.taskId)) return { kind: "ours", branchExists: true, pull: undefined };
  return { kind: "taken", why: "the branch exists and holds no commit of this task" };
}

export function taskIdTrailer(message: string): string | undefined {
  return /^Task-Id:[ \t]*(\S+)[ \t]*$/m.exec(message)?.[1];
}

export function commitMessage(issueNumber: number, taskId: string): string {
  return `Process agent task from dispatch issue #${issueNumber}\n\nTask-Id: ${taskId}\n`;
}
