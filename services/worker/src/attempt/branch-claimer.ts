import {
  BranchConflictError,
  branchNameFor,
  candidatePrefixes,
  type GitHubClient,
  type GitWorkspace,
  type PullRequest,
  type PushLedger,
  type RepoRef,
} from "@agent-runner/core";
import type { RunnerIdentity } from "@agent-runner/core";

/** A branch this task may work on: free, or already its own (with its PR, if one exists). */
export interface ClaimedBranch {
  readonly prefix: string;
  readonly branch: string;
  readonly branchExists: boolean;
  readonly pull: PullRequest | undefined;
}

export type BranchVerdict =
  | { readonly kind: "free" } // neither branch nor PR exists: ours to create
  | { readonly kind: "ours"; readonly pull: PullRequest | undefined }
  | { readonly kind: "taken"; readonly why: string };

export interface BranchEvidence {
  readonly taskId: string;
  readonly runner: RunnerIdentity;
  readonly branchExists: boolean;
  /** The runner's push ledger holds the branch's tip for this task. */
  readonly tipRecorded: boolean;
  readonly pulls: readonly PullRequest[];
}

/**
 * Decides whether a candidate branch belongs to this task. Only the runner's
 * own writes count: a PR the runner opened that names the task, or a tip the
 * runner recorded pushing for it. Commit trailers, authors and PR bodies are
 * text anyone with access can forge, so anything else is someone else's.
 */
export function judgeBranch(evidence: BranchEvidence): BranchVerdict {
  const ours = evidence.pulls.filter((p) => isOurPull(p, evidence));
  const other = evidence.pulls.find((p) => !isOurPull(p, evidence));
  if (other !== undefined && ours.length === 0) return { kind: "taken", why: whyNotOurs(other, evidence) };
  const pull = preferredPull(ours);
  if (pull !== undefined) return { kind: "ours", pull };
  if (!evidence.branchExists) return { kind: "free" };
  if (evidence.tipRecorded) return { kind: "ours", pull: undefined };
  return { kind: "taken", why: "the branch exists and its tip is no commit the runner pushed for this task" };
}

function isOurPull(pull: PullRequest, evidence: BranchEvidence): boolean {
  return evidence.runner.ownsPull(pull, evidence.taskId);
}

function whyNotOurs(pull: PullRequest, evidence: BranchEvidence): string {
  if (!evidence.runner.wrote(pull.authorLogin)) return `pull request #${pull.number} was not opened by the runner`;
  return `pull request #${pull.number} belongs to another task`;
}

/** An open PR first, then a merged one, then the newest. */
function preferredPull(pulls: readonly PullRequest[]): PullRequest | undefined {
  return pulls.find((p) => p.state === "open") ?? pulls.find((p) => p.merged) ?? [...pulls].sort((a, b) => b.number - a.number)[0];
}

/**
 * Finds the first candidate branch (`agent-task-<prefix>`, shortest prefix
 * first) that is free or already this task's.
 */
export class BranchClaimer {
  constructor(
    private readonly github: GitHubClient,
    private readonly pushes: PushLedger,
    private readonly runner: RunnerIdentity,
    private readonly target: RepoRef,
    private readonly taskId: string,
  ) {}

  async claim(workspace: GitWorkspace, repeatedAttempt: boolean): Promise<ClaimedBranch> {
    const remote = workspace.remoteBranches();
    const refusals: string[] = [];
    for (const prefix of candidatePrefixes(this.taskId)) {
      const branch = branchNameFor(prefix);
      const tip = remote.get(branch);
      const verdict = await this.judge(branch, tip, repeatedAttempt);
      if (verdict.kind !== "taken") {
        return { prefix, branch, branchExists: tip !== undefined, pull: verdict.kind === "ours" ? verdict.pull : undefined };
      }
      refusals.push(`${branch}: ${verdict.why}`);
    }
    throw new BranchConflictError(
      `no free branch for task ${this.taskId}`,
      `every branch name for this task is taken by other work (${refusals.join("; ")})`,
    );
  }

  /**
   * PRs are looked up for a branch that exists, and for every branch on a
   * repeated attempt; a branch that does not exist on a first attempt needs no
   * look-up: GitHub closes PRs whose head branch is gone, and this task has not
   * opened one yet (a lost create response is caught by the create's own answer).
   */
  private async judge(branch: string, tip: string | undefined, repeatedAttempt: boolean): Promise<BranchVerdict> {
    const branchExists = tip !== undefined;
    const pulls = branchExists || repeatedAttempt ? await this.github.findPullsByHead(this.target, this.target.owner, branch) : [];
    const tipRecorded = branchExists && (await this.pushes.has({ taskId: this.taskId, repo: this.target, branch, sha: tip }));
    return judgeBranch({ taskId: this.taskId, runner: this.runner, branchExists, tipRecorded, pulls });
  }
}
