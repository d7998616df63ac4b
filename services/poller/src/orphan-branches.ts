import { BRANCH_PREFIX, branchNameFor, candidatePrefixes, formatRepoRef, type BranchRef, type GitHubClient, type PushLedger, type RepoRef } from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { DriftAction } from "./reconcile-metrics.js";
import { isLive, type TaskView } from "./reconcile-view.js";

export interface OrphanBranchesDeps {
  readonly github: GitHubClient;
  readonly pushes: PushLedger;
  /** RECONCILE_DELETE_ORPHAN_BRANCHES: delete the orphans the runner provably pushed last. */
  readonly deleteOrphans: boolean;
  readonly log: Logger;
}

/** Of a repository's `agent-task-*` branches, which tasks' names each could be. */
export type OwnersOf = (branch: string) => Promise<TaskView[]>;

/** Bounds the memory of what was already counted, whatever the fleet's history. */
const MAX_REMEMBERED = 10_000;

/**
 * Finds `agent-task-*` branches with no PR and no live task. One conditional listing of matching
 * refs per repository (free when unchanged); a PR look-up only for a branch not yet known to have
 * one (a PR, once opened, never goes away). An orphan is reported once per tip; it is deleted
 * only when configured, and only when its tip is a commit the runner recorded pushing for a task
 * of that name that is neither live, held nor cancelled: a branch anyone else pushed to since
 * has another tip, and is never deleted.
 */
export class OrphanBranches {
  private readonly listings = new Map<string, { etag: string | undefined; branches: BranchRef[] }>();
  private readonly withPull = new Set<string>();
  private readonly reported = new Set<string>();

  constructor(private readonly deps: OrphanBranchesDeps) {}

  /** The repository's `agent-task-*` branches, read at most once per sweep (`fresh` holds this sweep's reads). */
  async branches(repo: RepoRef, fresh: Set<string>): Promise<BranchRef[]> {
    const key = formatRepoRef(repo).toLowerCase();
    const cached = this.listings.get(key);
    if (fresh.has(key) && cached !== undefined) return cached.branches;
    const listing = await this.deps.github.listBranchesWithPrefix(repo, BRANCH_PREFIX, { etag: cached?.etag });
    fresh.add(key);
    if (listing.status === "not_modified" && cached !== undefined) return cached.branches;
    const next = listing.status === "modified" ? { etag: listing.etag, branches: listing.branches } : { etag: undefined, branches: [] };
    this.listings.set(key, next);
    return next.branches;
  }

  /** Checks every branch of `repo`; calls `count` once per drift found. */
  async check(repo: RepoRef, branches: readonly BranchRef[], ownersOf: OwnersOf, count: (action: DriftAction) => void): Promise<void> {
    for (const branch of branches) {
      const owners = await ownersOf(branch.name);
      // A task that still runs (or that a person stopped) may yet open its PR from this branch.
      if (owners.some((owner) => isLive(owner) || owner.held)) continue;
      if (await this.hasPull(repo, branch.name)) continue;
      const action = await this.orphan(repo, branch, owners);
      if (action !== undefined) count(action);
    }
  }

  private async hasPull(repo: RepoRef, branch: string): Promise<boolean> {
    const key = `${formatRepoRef(repo).toLowerCase()}\n${branch}`;
    if (this.withPull.has(key)) return true;
    // Anyone's PR, in any state: a branch under review, closed or merged is not an orphan.
    const pulls = await this.deps.github.findPullsByHead(repo, repo.owner, branch);
    if (pulls.length === 0) return false;
    this.remember(this.withPull, key);
    return true;
  }

  private async orphan(repo: RepoRef, branch: BranchRef, owners: readonly TaskView[]): Promise<DriftAction | undefined> {
    const log = this.deps.log.child({ repo: formatRepoRef(repo), branch: branch.name, sha: branch.sha });
    if (this.deps.deleteOrphans) {
      const owner = await this.provenOwner(repo, branch, owners);
      if (owner !== undefined) {
        const result = await this.deps.github.deleteBranch(repo, branch.name);
        log.info({ taskId: owner.taskId, result }, "reconcile: deleted an orphan branch the runner pushed last");
        return result === "deleted" ? "deleted" : undefined;
      }
    }
    const key = `${formatRepoRef(repo).toLowerCase()}\n${branch.name}\n${branch.sha}`;
    if (this.reported.has(key)) return undefined;
    this.remember(this.reported, key);
    log.warn({ owners: owners.map((o) => o.taskId) }, "reconcile: branch with no pull request and no live task");
    return "reported";
  }

  /** The task whose name the branch bears and whose last push, by the runner's own record, is the branch's tip. */
  private async provenOwner(repo: RepoRef, branch: BranchRef, owners: readonly TaskView[]): Promise<TaskView | undefined> {
    for (const owner of owners) {
      if (owner.cancelled || owner.held || isLive(owner)) continue;
      if (await this.deps.pushes.has({ taskId: owner.taskId, repo, branch: branch.name, sha: branch.sha })) return owner;
    }
    return undefined;
  }

  private remember(set: Set<string>, key: string): void {
    if (set.size >= MAX_REMEMBERED) set.clear();
    set.add(key);
  }
}

/** Whether `branch` is one of the names a task's branch may take. */
export function couldBeBranchOf(branch: string, taskId: string): boolean {
  return candidatePrefixes(taskId).some((prefix) => branchNameFor(prefix) === branch);
}
