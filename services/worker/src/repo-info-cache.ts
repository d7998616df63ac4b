import type { GitHubClient, RepoInfo, RepoRef } from "@agent-runner/core";

/**
 * Repository metadata (clone URL, default branch) changes rarely; caching it
 * for a few minutes saves one rate-limited call on nearly every task. Tasks
 * that start together on one repository (a worker's whole concurrency, after
 * a burst of issues) share one look-up instead of each making its own.
 */
export class RepoInfoCache {
  private readonly entries = new Map<string, { info: RepoInfo; expires: number }>();
  private readonly inFlight = new Map<string, Promise<RepoInfo | undefined>>();

  constructor(
    private readonly github: GitHubClient,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The repository, or undefined when it does not exist or the token cannot see it (never cached). */
  async get(repo: RepoRef): Promise<RepoInfo | undefined> {
    const key = `${repo.owner}/${repo.repo}`.toLowerCase();
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.expires > this.now()) return hit.info;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const lookup = this.lookUp(key, repo).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  private async lookUp(key: string, repo: RepoRef): Promise<RepoInfo | undefined> {
    const lookup = await this.github.getRepo(repo);
    if (lookup.kind === "not_found") return undefined;
    this.entries.set(key, { info: lookup.repo, expires: this.now() + this.ttlMs });
    return lookup.repo;
  }
}
