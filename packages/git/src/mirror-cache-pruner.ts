import { randomUUID } from "node:crypto";
import { readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { tryAcquireDirectoryLock } from "./directory-lock.js";
import type { MirrorCacheLayout } from "./mirror-cache-layout.js";
import { evictIdleTrees } from "./tree-pool.js";

export interface MirrorCachePruneOptions {
  readonly layout: MirrorCacheLayout;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  /** Mirrors never evicted by this pass (the one just used). */
  readonly keep: ReadonlySet<string>;
  readonly lockStaleMs?: number;
}

interface MirrorUsage {
  readonly key: string;
  readonly lastUsedMs: number;
  readonly sizeBytes: number;
}

/** Half-built or half-deleted mirrors older than this were left by a crash. */
const LEFTOVER_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Evicts least-recently-used mirrors until the cache fits `maxBytes`, and any
 * mirror unused for `maxAgeMs`. Reads one small marker per mirror instead of
 * measuring the cache; a mirror another job holds is skipped, not waited for.
 * Returns the evicted keys.
 */
export async function pruneMirrorCache(options: MirrorCachePruneOptions): Promise<string[]> {
  const entries = await readdir(options.layout.cacheDir);
  await removeLeftovers(options.layout, entries);
  await removeOrphanedTrees(options, entries);
  const usages = await readUsages(options.layout, entries);
  usages.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  let totalBytes = usages.reduce((sum, usage) => sum + usage.sizeBytes, 0);
  const evicted: string[] = [];
  const now = Date.now();
  for (const usage of usages) {
    if (options.keep.has(usage.key)) continue;
    const expired = now - usage.lastUsedMs > options.maxAgeMs;
    if (!expired && totalBytes <= options.maxBytes) continue;
    if (await evict(options, usage.key)) {
      totalBytes -= usage.sizeBytes;
      evicted.push(usage.key);
      // Pooled trees go with their mirror; trees in use stay until their job is done.
      await evictIdleTrees(options.layout, usage.key, options.lockStaleMs);
    }
  }
  return evicted;
}

async function readUsages(layout: MirrorCacheLayout, entries: string[]): Promise<MirrorUsage[]> {
  const usages: MirrorUsage[] = [];
  for (const entry of entries) {
    const key = layout.keyOfMirrorEntry(entry);
    if (key === undefined) continue;
    const usage = await readUsage(layout, key);
    if (usage !== undefined) usages.push(usage);
  }
  return usages;
}

async function readUsage(layout: MirrorCacheLayout, key: string): Promise<MirrorUsage | undefined> {
  try {
    const marker = layout.markerFile(key);
    const [info, text] = await Promise.all([stat(marker), readFile(marker, "utf8")]);
    const sizeBytes = (JSON.parse(text) as { sizeBytes?: unknown }).sizeBytes;
    return { key, lastUsedMs: info.mtimeMs, sizeBytes: typeof sizeBytes === "number" ? sizeBytes : 0 };
  } catch {
    // No readable marker: a mirror from a crashed run, or one being renamed. Age by the directory.
    try {
      return { key, lastUsedMs: (await stat(layout.mirrorDir(key))).mtimeMs, sizeBytes: 0 };
    } catch {
      return undefined;
    }
  }
}

async function evict(options: MirrorCachePruneOptions, key: string): Promise<boolean> {
  const lock = await tryAcquireDirectoryLock(options.layout.lockDir(key), { staleMs: options.lockStaleMs });
  if (lock === undefined) return false;
  try {
    const trash = options.layout.trashDir(key, randomUUID());
    // Renaming first means a crash mid-delete leaves trash, never a half mirror.
    await rename(options.layout.mirrorDir(key), trash);
    await rm(trash, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  } finally {
    await lock.release();
  }
}

/** Idle trees whose mirror is gone (evicted while one of its trees was in use). */
async function removeOrphanedTrees(options: MirrorCachePruneOptions, entries: string[]): Promise<void> {
  const mirrors = new Set(entries.map((entry) => options.layout.keyOfMirrorEntry(entry)));
  for (const entry of entries) {
    const key = options.layout.keyOfTreesEntry(entry);
    if (key === undefined || mirrors.has(key) || options.keep.has(key)) continue;
    await evictIdleTrees(options.layout, key, options.lockStaleMs);
  }
}

async function removeLeftovers(layout: MirrorCacheLayout, entries: string[]): Promise<void> {
  for (const entry of entries) {
    if (!layout.isLeftoverEntry(entry)) continue;
    const path = join(layout.cacheDir, entry);
    try {
      if (Date.now() - (await stat(path)).mtimeMs > LEFTOVER_AGE_MS) await rm(path, { recursive: true, force: true });
    } catch {
      // Someone else removed it first.
    }
  }
}
