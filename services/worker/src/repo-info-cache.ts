import type { GitHubClient, RepoInfo, RepoRef } from "@agent-runner/core";

/**
 * Repository metadata (clone URL, default branch) changes rarely; caching it
 * for a few minutes saves one rate-limited call on nearly every task.
 */
export class RepoInfoCache {
  private readonly entries = new Map<string, { info: RepoInfo; expires: number }>();

  constructor(
    private readonly github: GitHubClient,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(repo: RepoRef): Promise<RepoInfo> {
    const key = `${repo.owner}/${repo.repo}`.toLowerCase();
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.expires > this.now()) return hit.info;
    const info = await this.github.getRepo(repo);
    this.entries.set(key, { info, expires: this.now() + this.ttlMs });
    return info;
  }

  /** Forget a repo after a failure that may come from stale metadata. */
  invalidate(repo: RepoRef): void {
    this.entries.delete(`${repo.owner}/${repo.repo}`.toLowerCase());
  }
}
