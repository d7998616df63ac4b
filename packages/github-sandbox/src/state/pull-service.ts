import { ApiError, validationFailed } from "../api/api-error.js";
import type { PullDetails } from "../serializers/pull-json.js";
import { nodeId } from "./id-sequence.js";
import type { IssueRecord, PullRecord, RepoRecord } from "./records.js";
import type { SandboxState } from "./sandbox-state.js";

export interface NewPull {
  title: string;
  body: string | null;
  /** `branch` or `owner:branch`. */
  head: string;
  base: string;
  draft: boolean;
  maintainerCanModify: boolean;
}

export interface PullPatch {
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  base?: string;
}

/**
 * Pull requests over the real bare repository: branches and shas are read from git at request
 * time, so pushes made over smart HTTP are reflected at once.
 */
export class PullService {
  // Diff stats and mergeability depend only on the two shas, so they are computed once per pair.
  private readonly detailsCache = new Map<string, PullDetails>();

  constructor(private readonly state: SandboxState) {}

  async create(repo: RepoRecord, author: string, input: NewPull): Promise<IssueRecord> {
    const headRef = this.headBranch(repo, input.head);
    const shas = await this.branchShas(repo);
    const headSha = shas.get(headRef);
    const baseSha = shas.get(input.base);
    if (!headSha) throw validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }]);
    if (!baseSha) throw validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
    // Also warms the details cache for the response that follows.
    if ((await this.detailsFor(repo, baseSha, headSha)).stats.commits === 0) {
      throw validationFailed([{ resource: "PullRequest", code: "custom", message: `No commits between ${input.base} and ${headRef}` }]);
    }
    // Checked after the last await and right before the insert, so racing creates cannot both pass
    // (GitHub enforces this uniqueness in its database).
    this.assertNoOpenPull(repo, headRef, undefined);
    const id = this.state.ids.take("pull");
    const pull: PullRecord = {
      id,
      nodeId: nodeId("PullRequest", id),
      headRef,
      baseRef: input.base,
      headSha,
      baseSha,
      draft: input.draft,
      maintainerCanModify: input.maintainerCanModify,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
    };
    return this.state.newIssue(repo, { title: input.title, body: input.body, author, pull });
  }

  async update(repo: RepoRecord, issue: IssueRecord, actor: string, patch: PullPatch): Promise<IssueRecord> {
    const pull = this.pullOf(issue);
    if (patch.base !== undefined && patch.base !== pull.baseRef) {
      const baseSha = (await this.branchShas(repo)).get(patch.base);
      if (!baseSha) throw validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
      pull.baseRef = patch.base;
      pull.baseSha = baseSha;
    }
    if (patch.state === "open" && issue.state === "closed") await this.reopen(repo, issue, pull);
    if (patch.state === "closed" && issue.state === "open") this.markClosed(issue, actor);
    if (patch.title !== undefined) issue.title = patch.title;
    if (patch.body !== undefined) issue.body = patch.body;
    issue.updatedAt = Date.now();
    return issue;
  }

  close(issue: IssueRecord, actor: string): void {
    if (issue.state === "open") this.markClosed(issue, actor);
    issue.updatedAt = Date.now();
  }

  /**
   * Merges like GitHub's merge button: fast-forward when possible, else a merge commit when
   * the branches merge cleanly; on conflicts the pull request is only marked merged.
   */
  async merge(repo: RepoRecord, issue: IssueRecord, actor: string): Promise<void> {
    const pull = this.pullOf(issue);
    if (pull.merged) return;
    await this.refresh(repo, issue);
    const git = this.state.git(repo);
    let mergeSha: string | null = null;
    if (await git.isAncestor(pull.baseSha, pull.headSha)) {
      await git.updateBranch(pull.baseRef, pull.headSha, pull.baseSha);
      mergeSha = pull.headSha;
    } else {
      const tree = await git.mergeTree(pull.baseSha, pull.headSha);
      if (tree) {
        mergeSha = await git.mergeCommit(tree, [pull.baseSha, pull.headSha], `Merge pull request #${issue.number} from ${repo.owner}/${pull.headRef}`);
        await git.updateBranch(pull.baseRef, mergeSha, pull.baseSha);
      }
    }
    const now = Date.now();
    Object.assign(pull, { merged: true, mergedAt: now, mergedBy: actor, mergeCommitSha: mergeSha });
    if (mergeSha) pull.baseSha = mergeSha;
    this.markClosed(issue, actor);
    issue.stateReason = null;
    repo.pushedAt = now;
  }

  /** Re-reads head and base shas of an open pull request from git; closed ones keep their last shas. */
  refresh(repo: RepoRecord, issue: IssueRecord): Promise<void> {
    return this.refreshAll(repo, [issue]);
  }

  /** The same refresh for many pull requests with one git call. */
  async refreshAll(repo: RepoRecord, issues: IssueRecord[]): Promise<void> {
    if (!issues.some((issue) => issue.state === "open")) return;
    this.applyBranches(issues, await this.state.git(repo).branches());
  }

  refreshAllSync(repo: RepoRecord, issues: IssueRecord[]): void {
    if (!issues.some((issue) => issue.state === "open")) return;
    this.applyBranches(issues, this.state.git(repo).branchesSync());
  }

  details(repo: RepoRecord, issue: IssueRecord): Promise<PullDetails> {
    const pull = this.pullOf(issue);
    return this.detailsFor(repo, pull.baseSha, pull.headSha);
  }

  private async detailsFor(repo: RepoRecord, baseSha: string, headSha: string): Promise<PullDetails> {
    const key = `${repo.id}:${baseSha}..${headSha}`;
    const cached = this.detailsCache.get(key);
    if (cached) return cached;
    const git = this.state.git(repo);
    const [stats, tree] = await Promise.all([git.diffStats(baseSha, headSha), git.mergeTree(baseSha, headSha)]);
    const details = { stats, mergeable: tree !== undefined };
    if (this.detailsCache.size > 10_000) this.detailsCache.clear();
    this.detailsCache.set(key, details);
    return details;
  }

  private async branchShas(repo: RepoRecord): Promise<Map<string, string>> {
    return new Map((await this.state.git(repo).branches()).map((branch) => [branch.name, branch.sha]));
  }

  /** `owner:branch` must name this repository's owner: the sandbox has no forks. */
  private headBranch(repo: RepoRecord, head: string): string {
    const colon = head.indexOf(":");
    if (colon < 0) return head;
    if (head.slice(0, colon).toLowerCase() !== repo.owner.toLowerCase()) {
      throw validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }]);
    }
    return head.slice(colon + 1);
  }

  private assertNoOpenPull(repo: RepoRecord, headRef: string, except: IssueRecord | undefined): void {
    const duplicate = [...repo.issues.values()].find(
      (issue) => issue !== except && issue.state === "open" && issue.pull?.headRef === headRef,
    );
    if (duplicate) {
      throw validationFailed([
        { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${repo.owner}:${headRef}.` },
      ]);
    }
  }

  private async reopen(repo: RepoRecord, issue: IssueRecord, pull: PullRecord): Promise<void> {
    if (pull.merged) throw validationFailed([{ resource: "PullRequest", code: "custom", message: "Cannot reopen a merged pull request" }]);
    const shas = await this.branchShas(repo);
    const headSha = shas.get(pull.headRef);
    if (!headSha) throw new ApiError(422, "Validation Failed", [{ resource: "PullRequest", code: "custom", message: "state cannot be changed. The head branch was deleted." }]);
    // After the await, next to the state change: see create().
    this.assertNoOpenPull(repo, pull.headRef, issue);
    pull.headSha = headSha;
    pull.baseSha = shas.get(pull.baseRef) ?? pull.baseSha;
    issue.state = "open";
    issue.stateReason = "reopened";
    issue.closedAt = null;
    issue.closedBy = null;
  }

  private markClosed(issue: IssueRecord, actor: string): void {
    issue.state = "closed";
    issue.closedAt = Date.now();
    issue.closedBy = actor;
    issue.updatedAt = issue.closedAt;
  }

  private applyBranches(issues: IssueRecord[], branches: Array<{ name: string; sha: string }>): void {
    const shas = new Map(branches.map((branch) => [branch.name, branch.sha]));
    for (const issue of issues) {
      if (!issue.pull || issue.state !== "open") continue;
      issue.pull.headSha = shas.get(issue.pull.headRef) ?? issue.pull.headSha;
      issue.pull.baseSha = shas.get(issue.pull.baseRef) ?? issue.pull.baseSha;
    }
  }

  private pullOf(issue: IssueRecord): PullRecord {
    if (!issue.pull) throw new Error(`#${issue.number} is not a pull request`);
    return issue.pull;
  }
}
