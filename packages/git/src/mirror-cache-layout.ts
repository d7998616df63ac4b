import { createHash } from "node:crypto";
import { join } from "node:path";

/**
 * Where the mirror cache keeps things. Names derive from a hash of the clone
 * URL so the URL itself (and anything odd in it) never reaches the filesystem.
 *
 *   <cacheDir>/<sha256>.git                  bare mirror, refs/heads/* = the remote's branches
 *   <cacheDir>/<sha256>.git/agent-runner-cache.json   size marker; its mtime = last use
 *   <cacheDir>/<sha256>.lock/                mkdir lock shared by every process
 *   <cacheDir>/<sha256>.tmp-<uuid>/          a mirror being built (renamed into place when complete)
 *   <cacheDir>/<sha256>.trash-<uuid>/        a mirror (or pooled working tree) being deleted
 *   <cacheDir>/<sha256>.trees/<uuid>/        a pooled working tree cloned from the mirror
 *   <cacheDir>/<sha256>.trees/<uuid>.lock/   mkdir lock: held while a job uses the tree; free = idle
 *   <cacheDir>/<sha256>.trees/<uuid>.json    the tree's git config as created, to detect tampering
 */
export class MirrorCacheLayout {
  constructor(readonly cacheDir: string) {}

  keyFor(cloneUrl: string): string {
    return createHash("sha256").update(cloneUrl).digest("hex");
  }

  mirrorDir(key: string): string {
    return join(this.cacheDir, `${key}.git`);
  }

  lockDir(key: string): string {
    return join(this.cacheDir, `${key}.lock`);
  }

  markerFile(key: string): string {
    return join(this.mirrorDir(key), "agent-runner-cache.json");
  }

  tempDir(key: string, id: string): string {
    return join(this.cacheDir, `${key}.tmp-${id}`);
  }

  trashDir(key: string, id: string): string {
    return join(this.cacheDir, `${key}.trash-${id}`);
  }

  treesDir(key: string): string {
    return join(this.cacheDir, `${key}.trees`);
  }

  treeDir(key: string, id: string): string {
    return join(this.treesDir(key), id);
  }

  treeLockDir(key: string, id: string): string {
    return join(this.treesDir(key), `${id}.lock`);
  }

  treeSnapshotFile(key: string, id: string): string {
    return join(this.treesDir(key), `${id}.json`);
  }

  /** The ids of the pooled trees among the entries of a trees directory. */
  treeIds(entries: readonly string[]): string[] {
    return entries.filter((entry) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(entry));
  }

  /** The key of a trees directory name, or undefined for anything else. */
  keyOfTreesEntry(entry: string): string | undefined {
    return /^([0-9a-f]{64})\.trees$/.exec(entry)?.[1];
  }

  /** The key of a mirror directory name, or undefined for anything else. */
  keyOfMirrorEntry(entry: string): string | undefined {
    return /^([0-9a-f]{64})\.git$/.exec(entry)?.[1];
  }

  isLeftoverEntry(entry: string): boolean {
    return /^[0-9a-f]{64}\.(?:tmp|trash)-/.test(entry);
  }
}
