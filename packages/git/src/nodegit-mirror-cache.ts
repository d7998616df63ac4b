import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import NodeGit from "nodegit";
import { GitRemoteError } from "@agent-runner/core";
import { isAbortError, throwIfAborted } from "./abort-error.js";
import { acquireDirectoryLock } from "./directory-lock.js";
import type { CheckoutRequest } from "@agent-runner/core";
import { KeyedMutex } from "./keyed-mutex.js";
import type { MirrorCacheLayout } from "./mirror-cache-layout.js";
import { runRemoteOperation, type GitToken } from "./nodegit-remote-operation.js";
import { ensurePrivateDir, PRIVATE_DIR_MODE, writePrivateFile } from "./private-dir.js";
import { FETCH_NETWORK_OPTIONS, refuseFetchRedirects, remoteForUrl } from "./remote-by-url.js";

export interface MirrorCacheLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NodegitMirrorCacheOptions {
  readonly layout: MirrorCacheLayout;
  readonly token: GitToken;
  readonly logger: MirrorCacheLogger;
  readonly lockStaleMs?: number;
}

const REMOTE = "origin";
/** The mirror keeps the remote's branches as its own, so a local clone sees them as origin/*. */
const MIRROR_FETCHSPEC = "+refs/heads/*:refs/heads/*";
/** libgit2 constants (git2/clone.h, git2/checkout.h, git2/remote.h). */
const CLONE_LOCAL_WITH_HARDLINKS = 1;
const CHECKOUT_NONE = 1 << 30;
const FETCH_PRUNE = 1;
const DOWNLOAD_TAGS_NONE = 2;
/** Every fetch adds a pack; past this many, lookups slow down and the mirror is repacked. */
const MAX_PACKS = 32;

/**
 * Bare mirrors of remote repositories, one per clone URL, from which job
 * working trees are cloned locally (hard links, no network). Each checkout
 * first brings the mirror up to date with one fetch, under a lock that is
 * both in-process (KeyedMutex) and cross-process (mkdir lock), so the working
 * tree's origin/* are the remote's branches as of that fetch.
 */
export class NodegitMirrorCache {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly options: NodegitMirrorCacheOptions) {}

  /**
   * Clones `request.cloneUrl` into `request.dir` via the mirror, without
   * checking files out (the caller does that outside the lock). Returns the
   * mirror's key.
   */
  async cloneWithoutCheckout(request: CheckoutRequest): Promise<string> {
    const key = this.options.layout.keyFor(request.cloneUrl);
    await this.withLocks(key, request.signal, () => this.cloneUnderLock(key, request));
    return key;
  }

  /**
   * Brings the mirror up to date, then fetches it into the existing clone at
   * `treeDir` with prune, so the clone's origin/* equal the remote's branches
   * as of this fetch. Both happen under the mirror's locks: the mirror is never
   * read while another job renames or rebuilds it.
   */
  async updateTree(request: CheckoutRequest, treeDir: string): Promise<string> {
    const key = this.options.layout.keyFor(request.cloneUrl);
    await this.withLocks(key, request.signal, async () => {
      const started = Date.now();
      await this.refreshMirror(key, request);
      throwIfAborted(request.signal);
      await fetchMirrorIntoTree(this.options.layout.mirrorDir(key), treeDir);
      await this.markUsed(key);
      this.options.logger.debug({ mirror: key, ms: Date.now() - started }, "pooled working tree updated from mirror");
    });
    return key;
  }

  /** Deletes the mirror of `key` (taking its locks), so the next checkout rebuilds it from the remote. */
  async discard(key: string, signal?: AbortSignal): Promise<void> {
    await this.withLocks(key, signal, () => this.discardMirror(key));
  }

  private async withLocks(key: string, signal: AbortSignal | undefined, fn: () => Promise<void>): Promise<void> {
    const { layout } = this.options;
    await mkdir(layout.cacheDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await this.mutex.runExclusive(
      key,
      async () => {
        const lock = await acquireDirectoryLock(layout.lockDir(key), { staleMs: this.options.lockStaleMs, signal });
        try {
          await fn();
        } finally {
          await lock.release();
        }
      },
      signal,
    );
  }

  private async cloneUnderLock(key: string, request: CheckoutRequest): Promise<void> {
    const started = Date.now();
    await this.refreshMirror(key, request);
    try {
      await cloneFromMirror(this.options.layout.mirrorDir(key), request);
    } catch (error) {
      if (isAbortError(error)) throw error;
      // The fetch can succeed on a mirror whose older objects are damaged.
      this.options.logger.warn({ mirror: key, error: describe(error) }, "clone from mirror failed; rebuilding mirror");
      await rm(request.dir, { recursive: true, force: true });
      await this.discardMirror(key);
      await this.buildMirror(key, request.cloneUrl, request);
      await cloneFromMirror(this.options.layout.mirrorDir(key), request);
    }
    await this.markUsed(key);
    this.options.logger.debug({ mirror: key, ms: Date.now() - started }, "working tree cloned from mirror");
  }

  private async refreshMirror(key: string, request: CheckoutRequest): Promise<void> {
    const mirrorDir = this.options.layout.mirrorDir(key);
    if (await exists(mirrorDir)) {
      try {
        await this.fetchIntoMirror(mirrorDir, request);
        await this.compactIfFragmented(key, request);
        return;
      } catch (error) {
        // A remote failure or an abort says nothing about the mirror: keep it.
        if (error instanceof GitRemoteError || isAbortError(error)) throw error;
        this.options.logger.warn({ mirror: key, error: describe(error) }, "mirror unusable; rebuilding");
        await this.discardMirror(key);
      }
    }
    await this.buildMirror(key, request.cloneUrl, request);
  }

  private async fetchIntoMirror(mirrorDir: string, request: CheckoutRequest): Promise<void> {
    const repo = await NodeGit.Repository.openBare(mirrorDir);
    try {
      await this.fetch(repo, request.cloneUrl, request, "fetch");
      await pointHeadAt(repo, request.defaultBranch);
    } finally {
      await repo.cleanup();
    }
  }

  /**
   * Builds a mirror in a temporary directory and renames it into place, so a
   * crash never leaves a half-fetched mirror where a complete one is expected.
   * `sourceUrl` is the remote, or an existing mirror when repacking.
   */
  private async buildMirror(key: string, sourceUrl: string, request: CheckoutRequest): Promise<void> {
    const { layout } = this.options;
    const temp = layout.tempDir(key, randomUUID());
    try {
      await mkdir(temp, { mode: PRIVATE_DIR_MODE });
      const repo = await NodeGit.Repository.init(temp, 1);
      try {
        // For people looking at the mirror: fetches never read it (see fetch()).
        await NodeGit.Remote.createWithFetchspec(repo, REMOTE, request.cloneUrl, MIRROR_FETCHSPEC);
        await this.fetch(repo, sourceUrl, request, "clone");
        await pointHeadAt(repo, request.defaultBranch);
      } finally {
        await repo.cleanup();
      }
      await rename(temp, layout.mirrorDir(key));
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * libgit2 cannot gc. Fetching from the mirror into a fresh one goes through
   * the local transport, which writes everything reachable as a single pack.
   */
  private async compactIfFragmented(key: string, request: CheckoutRequest): Promise<void> {
    const mirrorDir = this.options.layout.mirrorDir(key);
    const packs = (await readdir(join(mirrorDir, "objects", "pack"))).filter((f) => f.endsWith(".pack"));
    if (packs.length <= MAX_PACKS) return;
    throwIfAborted(request.signal);
    const old = this.options.layout.trashDir(key, randomUUID());
    await rename(mirrorDir, old);
    try {
      await this.buildMirror(key, old, request);
    } catch (error) {
      await rename(old, mirrorDir);
      throw error;
    }
    await rm(old, { recursive: true, force: true });
    this.options.logger.debug({ mirror: key, packs: packs.length }, "mirror repacked");
  }

  /**
   * One fetch of every branch from `sourceUrl` (the clone URL, or an old
   * mirror when repacking) through a remote built from that URL alone: the
   * mirror's config (its remote, url.*.insteadOf, http.proxy) chooses nothing.
   */
  private async fetch(repo: NodeGit.Repository, sourceUrl: string, request: CheckoutRequest, operation: "clone" | "fetch"): Promise<void> {
    await refuseFetchRedirects(repo);
    const remote = await remoteForUrl(repo, sourceUrl);
    await runRemoteOperation(
      {
        token: this.options.token,
        cloneUrl: request.cloneUrl,
        operation,
        signal: request.signal,
        ...(operation === "clone" ? { fallbackKind: "network" as const } : {}),
      },
      (callbacks) =>
        remote.fetch(
          [MIRROR_FETCHSPEC],
          { callbacks, prune: FETCH_PRUNE, downloadTags: DOWNLOAD_TAGS_NONE, ...FETCH_NETWORK_OPTIONS },
          `agent-runner: mirror ${operation}`,
        ),
    );
  }

  private async discardMirror(key: string): Promise<void> {
    const trash = this.options.layout.trashDir(key, randomUUID());
    try {
      await rename(this.options.layout.mirrorDir(key), trash);
    } catch {
      return;
    }
    await rm(trash, { recursive: true, force: true });
  }

  /** Records the mirror's size for the pruner; writing the marker also stamps its last use. */
  private async markUsed(key: string): Promise<void> {
    const sizeBytes = await packBytes(this.options.layout.mirrorDir(key));
    await writePrivateFile(this.options.layout.markerFile(key), JSON.stringify({ sizeBytes }));
  }
}

async function cloneFromMirror(mirrorDir: string, request: CheckoutRequest): Promise<void> {
  throwIfAborted(request.signal);
  // libgit2 would create it 0755; an empty directory is fine to clone into.
  await ensurePrivateDir(request.dir);
  const repo = await NodeGit.Clone(mirrorDir, request.dir, {
    local: CLONE_LOCAL_WITH_HARDLINKS,
    checkoutOpts: { checkoutStrategy: CHECKOUT_NONE },
  });
  try {
    // For people looking at the tree: the worker pushes to the clone URL, never to a configured remote.
    NodeGit.Remote.setUrl(repo, REMOTE, request.cloneUrl);
  } finally {
    await repo.cleanup();
  }
}

const TREE_FETCHSPEC = `+refs/heads/*:refs/remotes/${REMOTE}/*`;

async function fetchMirrorIntoTree(mirrorDir: string, treeDir: string): Promise<void> {
  const repo = await NodeGit.Repository.open(treeDir);
  try {
    const mirror = await remoteForUrl(repo, mirrorDir);
    await mirror.fetch([TREE_FETCHSPEC], { prune: FETCH_PRUNE, downloadTags: DOWNLOAD_TAGS_NONE }, "agent-runner: tree fetch");
    // Prune by hand as well: the remote-tracking refs must be exactly the mirror's branches.
    const mirrorRepo = await NodeGit.Repository.openBare(mirrorDir);
    let branches: Map<string, NodeGit.Oid>;
    try {
      branches = new Map();
      for (const ref of await mirrorRepo.getReferences()) {
        if (ref.isSymbolic() || !ref.name().startsWith("refs/heads/")) continue;
        branches.set(ref.name().slice("refs/heads/".length), ref.target());
      }
    } finally {
      await mirrorRepo.cleanup();
    }
    const prefix = `refs/remotes/${REMOTE}/`;
    for (const ref of await repo.getReferences()) {
      const name = ref.name();
      if (!name.startsWith(prefix)) continue;
      const branch = name.slice(prefix.length);
      if (ref.isSymbolic()) {
        if (branch === "HEAD") continue;
        NodeGit.Reference.remove(repo, name);
        continue;
      }
      const tip = branches.get(branch);
      if (tip === undefined) NodeGit.Reference.remove(repo, name);
      else if (!ref.target().equal(tip)) throw new Error(`remote-tracking ref ${name} does not match the mirror after fetch`);
    }
    for (const branch of branches.keys()) {
      try {
        await repo.getReference(`${prefix}${branch}`);
      } catch {
        throw new Error(`remote-tracking ref for ${branch} missing after fetch`);
      }
    }
  } finally {
    await repo.cleanup();
  }
}

async function pointHeadAt(repo: NodeGit.Repository, branch: string): Promise<void> {
  // A bare repository's HEAD only tells clones which branch to check out by default.
  await repo.setHead(`refs/heads/${branch}`);
}

/**
 * Bytes of a mirror's packs: all of its weight but a few refs, for the price
 * of one readdir (libgit2 fetches write packs, never loose objects).
 */
async function packBytes(mirrorDir: string): Promise<number> {
  const packDir = join(mirrorDir, "objects", "pack");
  let total = 0;
  for (const file of await readdir(packDir)) {
    try {
      total += (await stat(join(packDir, file))).size;
    } catch {
      // Replaced while we looked.
    }
  }
  return total;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
