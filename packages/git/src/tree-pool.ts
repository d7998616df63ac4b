import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, rmdir, stat } from "node:fs/promises";
import { breakStaleDirectoryLock, tryAcquireDirectoryLock, type DirectoryLock } from "./directory-lock.js";
import type { MirrorCacheLayout } from "./mirror-cache-layout.js";
import { PRIVATE_DIR_MODE, writePrivateFile } from "./private-dir.js";

/** A pooled working tree held by one job: its lock dir stays in place until release() or discard(). */
export interface PooledTree {
  readonly key: string;
  readonly id: string;
  readonly dir: string;
  /** Gives the tree back to the pool, or deletes it when the pool already has enough idle trees. */
  release(maxIdle: number): Promise<void>;
  /** Deletes the tree. */
  discard(): Promise<void>;
}

/**
 * Idle working trees per clone URL under `<cacheDir>/<key>.trees/`. A tree is
 * in use exactly while its `<id>.lock` directory exists (an mkdir lock with a
 * heartbeat, shared by every process), so no tree is ever handed to two jobs;
 * the lock of a dead process goes stale and is broken by the next taker.
 */
export class TreePool {
  constructor(
    private readonly layout: MirrorCacheLayout,
    private readonly lockStaleMs?: number,
  ) {}

  /** An idle tree of `key`, locked for the caller; `undefined` when none is idle. */
  async take(key: string): Promise<PooledTree | undefined> {
    let entries: string[];
    try {
      entries = await readdir(this.layout.treesDir(key));
    } catch {
      return undefined;
    }
    const present = new Set(entries);
    for (const id of this.layout.treeIds(entries)) {
      const lockPath = this.layout.treeLockDir(key, id);
      if (present.has(`${id}.lock`)) await breakStaleDirectoryLock(lockPath, this.lockStaleMs);
      const lock = await tryLock(lockPath, this.lockStaleMs);
      if (lock === undefined) continue;
      if (!(await exists(this.layout.treeDir(key, id)))) {
        // Deleted between our readdir and the lock.
        await lock.release();
        continue;
      }
      return this.handle(key, id, lock);
    }
    return undefined;
  }

  /** Reserves a new, not yet existing tree directory of `key`, locked for the caller. */
  async reserve(key: string): Promise<PooledTree> {
    const id = randomUUID();
    for (let attempt = 0; ; attempt++) {
      await mkdir(this.layout.treesDir(key), { recursive: true, mode: PRIVATE_DIR_MODE });
      try {
        const lock = await tryLock(this.layout.treeLockDir(key, id), this.lockStaleMs);
        if (lock === undefined) throw new Error(`tree lock ${id} unexpectedly taken`);
        return this.handle(key, id, lock);
      } catch (error) {
        // The pruner removed the (empty) trees directory between our mkdir and the lock.
        if ((error as { code?: unknown }).code !== "ENOENT" || attempt >= 3) throw error;
      }
    }
  }

  /** The tree's git config as it was right after the clone. */
  async readSnapshot(tree: PooledTree): Promise<string | undefined> {
    try {
      return await readFile(this.layout.treeSnapshotFile(tree.key, tree.id), "utf8");
    } catch {
      return undefined;
    }
  }

  async writeSnapshot(tree: PooledTree, snapshot: string): Promise<void> {
    await writePrivateFile(this.layout.treeSnapshotFile(tree.key, tree.id), snapshot);
  }

  /** Number of idle trees of `key` other than `exceptId`. */
  private async idleCount(key: string, exceptId: string): Promise<number> {
    let entries: string[];
    try {
      entries = await readdir(this.layout.treesDir(key));
    } catch {
      return 0;
    }
    const present = new Set(entries);
    return this.layout.treeIds(entries).filter((id) => id !== exceptId && !present.has(`${id}.lock`)).length;
  }

  private handle(key: string, id: string, lock: DirectoryLock): PooledTree {
    let done = false;
    const dir = this.layout.treeDir(key, id);
    const discard = async (): Promise<void> => {
      if (done) return;
      done = true;
      try {
        await removeTree(this.layout, key, id);
      } finally {
        await lock.release();
      }
      // An empty trees directory is clutter; reserve() copes with losing this race.
      await rmdir(this.layout.treesDir(key)).catch(() => undefined);
    };
    return {
      key,
      id,
      dir,
      discard,
      release: async (maxIdle: number): Promise<void> => {
        if (done) return;
        if ((await this.idleCount(key, id)) >= maxIdle) return discard();
        done = true;
        await lock.release();
      },
    };
  }
}

/** Deletes every idle tree of `key` (trees in use are skipped); removes the trees directory once empty. */
export async function evictIdleTrees(layout: MirrorCacheLayout, key: string, lockStaleMs?: number): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(layout.treesDir(key));
  } catch {
    return;
  }
  const present = new Set(entries);
  for (const id of layout.treeIds(entries)) {
    const lockPath = layout.treeLockDir(key, id);
    if (present.has(`${id}.lock`)) await breakStaleDirectoryLock(lockPath, lockStaleMs);
    const lock = await tryLock(lockPath, lockStaleMs);
    if (lock === undefined) continue;
    try {
      await removeTree(layout, key, id);
    } finally {
      await lock.release();
    }
  }
  try {
    await rmdir(layout.treesDir(key));
  } catch {
    // Not empty (a tree in use, or one just created): the next prune tries again.
  }
}

/** Renaming first means a crash mid-delete leaves trash (cleaned by the pruner), never a half tree in the pool. */
async function removeTree(layout: MirrorCacheLayout, key: string, id: string): Promise<void> {
  const trash = layout.trashDir(key, randomUUID());
  try {
    await rename(layout.treeDir(key, id), trash);
  } catch {
    // Never created, or already gone.
  }
  await rm(layout.treeSnapshotFile(key, id), { force: true });
  await rm(trash, { recursive: true, force: true });
}

async function tryLock(path: string, staleMs?: number): Promise<DirectoryLock | undefined> {
  return tryAcquireDirectoryLock(path, staleMs === undefined ? {} : { staleMs });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
