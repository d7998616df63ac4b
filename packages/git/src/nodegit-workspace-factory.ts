import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import NodeGit from "nodegit";
import { GitRemoteError } from "@agent-runner/core";
import { isAbortError, throwIfAborted } from "./abort-error.js";
import type { CheckoutRequest, GitWorkspace, GitWorkspaceFactory } from "@agent-runner/core";
import { isolateGitConfig } from "./git-config-isolation.js";
import { MirrorCacheLayout } from "./mirror-cache-layout.js";
import { pruneMirrorCache } from "./mirror-cache-pruner.js";
import { NodegitMirrorCache, type MirrorCacheLogger } from "./nodegit-mirror-cache.js";
import { runRemoteOperation, type GitToken } from "./nodegit-remote-operation.js";
import { NodegitWorkspace, type NodegitWorkspaceOptions } from "./nodegit-workspace.js";
import { ensurePrivateDir, ensurePrivateDirSync, ensurePrivatePath, ensureWorkspaceRootSync } from "./private-dir.js";
import { FETCH_NETWORK_OPTIONS, refuseFetchRedirects, remoteForUrl } from "./remote-by-url.js";
import { TreePool, type PooledTree } from "./tree-pool.js";

export interface NodegitWorkspaceFactoryOptions {
  /**
   * Sent as the password of "x-access-token" through libgit2's credentials callback only, to the clone URL's origin only.
   * A function is asked at the start of every clone, fetch and push (a GitHub App's tokens are renewed hourly).
   */
  readonly token: GitToken;
  /**
   * The worker's workspace root. Made private to the worker's user (0700) when
   * the factory is built, and so is every directory between it and a
   * requested checkout directory below it.
   */
  readonly workspaceDir?: string;
  /** Keeps a bare mirror per remote here (made private too), shared by every factory and process pointing at it. */
  readonly cacheDir?: string;
  readonly logger?: MirrorCacheLogger;
  /** Least-recently-used mirrors are evicted beyond this total. Default 2 GiB. */
  readonly maxCacheBytes?: number;
  /** Mirrors unused for this long are evicted. Default 7 days. */
  readonly maxCacheAgeMs?: number;
  /**
   * With a cacheDir, working trees disposed with `reusable` are kept (up to
   * this many idle ones per repository) and reused by later checkouts, which
   * then only rewrite the files that differ. 0 disables pooling. Default 4.
   */
  readonly maxIdleTreesPerRepo?: number;
}

const DEFAULT_MAX_CACHE_BYTES = 2 * 1024 ** 3;
const DEFAULT_MAX_CACHE_AGE_MS = 7 * 24 * 60 * 60 * 1000;
const DEFAULT_MAX_IDLE_TREES_PER_REPO = 4;
/** A reused tree with more packs than this (one per fetch) is replaced by a fresh clone. */
const MAX_TREE_PACKS = 32;
/** libgit2 checkout strategy bits (git2/checkout.h, libgit2 1.9). */
const CHECKOUT_FORCE = 1 << 1;
const CHECKOUT_REMOVE_UNTRACKED = 1 << 5;
const CHECKOUT_REMOVE_IGNORED = 1 << 6;
/** libgit2 status option bits (git2/status.h). */
const STATUS_INCLUDE_UNTRACKED = 1 << 0;
const STATUS_INCLUDE_IGNORED = 1 << 1;
const STATUS_RECURSE_UNTRACKED_DIRS = 1 << 4;
const STATUS_RECURSE_IGNORED_DIRS = 1 << 6;
const DOWNLOAD_TAGS_NONE = 2;
const REMOTE = "origin";
const SILENT_LOGGER: MirrorCacheLogger = { debug: () => undefined, warn: () => undefined };

/**
 * GitWorkspaceFactory on nodegit (libgit2). Credentials never touch the
 * remote URL, the repository config or any file: libgit2 asks for them per
 * request through a callback, which answers only for the clone URL's origin.
 * Every fetch and push goes to the clone URL itself, never to a remote read
 * from a config, and libgit2 reads no config but the repository's own.
 */
export class NodegitWorkspaceFactory implements GitWorkspaceFactory {
  private readonly token: GitToken;
  private readonly workspaceDir: string | undefined;
  private readonly logger: MirrorCacheLogger;
  private readonly layout: MirrorCacheLayout | undefined;
  private readonly mirrors: NodegitMirrorCache | undefined;
  private readonly maxCacheBytes: number;
  private readonly maxCacheAgeMs: number;
  private readonly maxIdleTrees: number;
  private readonly trees: TreePool | undefined;

  constructor(options: NodegitWorkspaceFactoryOptions) {
    isolateGitConfig();
    this.token = options.token;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.workspaceDir = options.workspaceDir;
    if (options.workspaceDir !== undefined && !ensureWorkspaceRootSync(options.workspaceDir)) {
      this.logger.warn(
        { dir: options.workspaceDir },
        "the workspace directory belongs to root and others may enter it; only the directories the worker creates in it are private",
      );
    }
    if (options.cacheDir !== undefined) ensurePrivateDirSync(options.cacheDir);
    this.maxCacheBytes = options.maxCacheBytes ?? DEFAULT_MAX_CACHE_BYTES;
    this.maxCacheAgeMs = options.maxCacheAgeMs ?? DEFAULT_MAX_CACHE_AGE_MS;
    this.maxIdleTrees = options.maxIdleTreesPerRepo ?? DEFAULT_MAX_IDLE_TREES_PER_REPO;
    if (options.cacheDir !== undefined) {
      this.layout = new MirrorCacheLayout(options.cacheDir);
      this.mirrors = new NodegitMirrorCache({ layout: this.layout, token: this.token, logger: this.logger });
      if (this.maxIdleTrees > 0) this.trees = new TreePool(this.layout);
    }
  }

  async checkout(request: CheckoutRequest): Promise<GitWorkspace> {
    await assertUsableDir(request.dir);
    if (this.mirrors !== undefined && this.trees !== undefined) return this.checkoutPooled(request, this.mirrors, this.trees);
    try {
      await ensurePrivatePath(this.workspaceDir, request.dir);
      const repo =
        this.mirrors === undefined ? await this.cloneDirect(request) : await this.cloneViaMirror(request, this.mirrors);
      return await NodegitWorkspace.open({ ...this.workspaceOptions(request), repo, dir: request.dir });
    } catch (error) {
      await rm(request.dir, { recursive: true, force: true });
      throw error;
    }
  }

  private workspaceOptions(request: CheckoutRequest): Pick<NodegitWorkspaceOptions, "cloneUrl" | "defaultBranch" | "token" | "logger"> {
    return { cloneUrl: request.cloneUrl, defaultBranch: request.defaultBranch, token: this.token, logger: this.logger };
  }

  /**
   * init + fetch rather than NodeGit.Clone: the fetch must go through a remote
   * built from the clone URL alone (see remoteForUrl), and files are checked
   * out below, so a missing default branch is not mistaken for a network failure.
   */
  private async cloneDirect(request: CheckoutRequest): Promise<NodeGit.Repository> {
    const repo = await NodeGit.Repository.init(request.dir, 0);
    try {
      // For people looking at the tree: the worker itself never reads it.
      await NodeGit.Remote.create(repo, REMOTE, request.cloneUrl);
      await refuseFetchRedirects(repo);
      const remote = await remoteForUrl(repo, request.cloneUrl);
      await runRemoteOperation(
        { token: this.token, cloneUrl: request.cloneUrl, operation: "clone", signal: request.signal, fallbackKind: "network" },
        (callbacks) =>
          remote.fetch(
            [`+refs/heads/*:refs/remotes/${REMOTE}/*`],
            { callbacks, downloadTags: DOWNLOAD_TAGS_NONE, ...FETCH_NETWORK_OPTIONS },
            "agent-runner: clone",
          ),
      );
    } finally {
      await repo.cleanup();
    }
    return openAndCheckOut(request, await defaultBranchTip(request));
  }

  /**
   * Files are checked out after the mirror lock is released, so other jobs of
   * the same repository only wait for the fetch and the (hard-linked) clone.
   */
  private async cloneViaMirror(request: CheckoutRequest, mirrors: NodegitMirrorCache): Promise<NodeGit.Repository> {
    const key = await mirrors.cloneWithoutCheckout(request);
    const tip = await defaultBranchTip(request);
    let repo: NodeGit.Repository;
    try {
      repo = await openAndCheckOut(request, tip);
    } catch (error) {
      if (isAbortError(error)) throw error;
      // Objects missing from the mirror only show when files are written out.
      this.logger.warn({ mirror: key, error: describe(error) }, "checkout from mirror failed; rebuilding mirror");
      await rm(request.dir, { recursive: true, force: true });
      await mirrors.discard(key, request.signal);
      await mirrors.cloneWithoutCheckout(request);
      repo = await openAndCheckOut(request, await defaultBranchTip(request));
    }
    await this.pruneCache(key);
    return repo;
  }

  /**
   * Reuses an idle tree of the repository when there is one (fetch from the
   * mirror, then a forced checkout that only rewrites what differs), else
   * clones a new tree into the pool. The request's `dir` is left alone.
   */
  private async checkoutPooled(request: CheckoutRequest, mirrors: NodegitMirrorCache, trees: TreePool): Promise<GitWorkspace> {
    const key = this.layout!.keyFor(request.cloneUrl);
    const idle = await trees.take(key);
    if (idle !== undefined) {
      const reused = await this.reuseTree(request, mirrors, trees, idle);
      if (reused !== undefined) return reused;
    }
    const tree = await trees.reserve(key);
    try {
      const repo = await this.cloneViaMirror({ ...request, dir: tree.dir }, mirrors);
      try {
        await trees.writeSnapshot(tree, await readTreeSnapshot(tree.dir));
        return await this.openPooled(request, tree, repo);
      } catch (error) {
        await repo.cleanup();
        throw error;
      }
    } catch (error) {
      await tree.discard();
      throw error;
    }
  }

  /** The workspace over `tree`, or `undefined` (tree deleted) when the tree cannot be trusted. */
  private async reuseTree(
    request: CheckoutRequest,
    mirrors: NodegitMirrorCache,
    trees: TreePool,
    tree: PooledTree,
  ): Promise<GitWorkspace | undefined> {
    let repo: NodeGit.Repository | undefined;
    try {
      await ensurePrivateDir(tree.dir);
      const expected = await trees.readSnapshot(tree);
      if (expected === undefined || expected !== (await readTreeSnapshot(tree.dir))) {
        throw new Error("the tree's git config changed since it was cloned");
      }
      // Every fetch into the tree adds a pack; a fresh clone is cheaper than lookups across dozens.
      const packs = (await readdir(join(tree.dir, ".git", "objects", "pack"))).filter((f) => f.endsWith(".pack"));
      if (packs.length > MAX_TREE_PACKS) {
        this.logger.debug({ mirror: tree.key, packs: packs.length }, "pooled working tree fragmented; recloning");
        await tree.discard();
        return undefined;
      }
      await mirrors.updateTree(request, tree.dir);
      repo = await resetTree({ ...request, dir: tree.dir });
      const workspace = await this.openPooled(request, tree, repo);
      await this.pruneCache(tree.key);
      return workspace;
    } catch (error) {
      await repo?.cleanup();
      await tree.discard();
      if (isAbortError(error) || isRemoteOrRequestError(error)) throw error;
      this.logger.warn({ mirror: tree.key, error: describe(error) }, "pooled working tree unusable; deleted it");
      return undefined;
    }
  }

  private async openPooled(request: CheckoutRequest, tree: PooledTree, repo: NodeGit.Repository): Promise<GitWorkspace> {
    return NodegitWorkspace.open({
      ...this.workspaceOptions(request),
      repo,
      dir: tree.dir,
      release: (reusable) => (reusable ? tree.release(this.maxIdleTrees) : tree.discard()),
    });
  }

  /** Eviction is housekeeping: it must never fail the checkout that triggered it. */
  private async pruneCache(usedKey: string): Promise<void> {
    if (this.layout === undefined) return;
    try {
      const evicted = await pruneMirrorCache({
        layout: this.layout,
        maxBytes: this.maxCacheBytes,
        maxAgeMs: this.maxCacheAgeMs,
        keep: new Set([usedKey]),
      });
      if (evicted.length > 0) this.logger.debug({ evicted }, "mirror cache pruned");
    } catch (error) {
      if (isAbortError(error)) return;
      this.logger.warn({ error: describe(error) }, "mirror cache pruning failed");
    }
  }
}

/** The default branch's tip as fetched; a clear error when the remote has no such branch. */
async function defaultBranchTip(request: CheckoutRequest): Promise<NodeGit.Oid> {
  const repo = await NodeGit.Repository.open(request.dir);
  try {
    const ref = await repo.getReference(`refs/remotes/origin/${request.defaultBranch}`);
    return (await ref.resolve()).target();
  } catch {
    throw new Error(`default branch "${request.defaultBranch}" does not exist on the remote`);
  } finally {
    await repo.cleanup();
  }
}

/** Makes local `defaultBranch` point at `tip`, writes its files and puts HEAD on it. */
async function openAndCheckOut(request: CheckoutRequest, tip: NodeGit.Oid): Promise<NodeGit.Repository> {
  throwIfAborted(request.signal);
  const repo = await NodeGit.Repository.open(request.dir);
  try {
    const commit = await repo.getCommit(tip);
    // A plain forced ref write: createBranch refuses to move the branch HEAD is on.
    await NodeGit.Reference.create(repo, `refs/heads/${request.defaultBranch}`, tip, 1, "agent-runner: checkout");
    await NodeGit.Checkout.tree(repo, commit, { checkoutStrategy: CHECKOUT_FORCE });
    await repo.setHead(`refs/heads/${request.defaultBranch}`);
  } catch (error) {
    await repo.cleanup();
    throw error;
  }
  return repo;
}

/**
 * Makes a reused tree exactly the default branch's tip: local branches other
 * than the default one deleted, index and files forced to the tip with
 * untracked and ignored files removed, HEAD on the default branch. Throws
 * when anything is left over afterwards.
 */
async function resetTree(request: CheckoutRequest): Promise<NodeGit.Repository> {
  const tip = await defaultBranchTip(request);
  throwIfAborted(request.signal);
  const repo = await NodeGit.Repository.open(request.dir);
  try {
    repo.stateCleanup();
    const commit = await repo.getCommit(tip);
    const head = `refs/heads/${request.defaultBranch}`;
    await NodeGit.Reference.create(repo, head, tip, 1, "agent-runner: reuse tree");
    // Against the index as baseline: whatever a previous job staged is overwritten or removed too.
    await NodeGit.Checkout.tree(repo, commit, {
      checkoutStrategy: CHECKOUT_FORCE | CHECKOUT_REMOVE_UNTRACKED | CHECKOUT_REMOVE_IGNORED,
    });
    const index = await repo.refreshIndex();
    // Asynchronous in nodegit 0.28 although @types/nodegit says it returns a number.
    await (index.readTree(await commit.getTree()) as unknown as Promise<number>);
    await index.write();
    await repo.setHead(head);
    for (const ref of await repo.getReferences()) {
      if (ref.isBranch() === 1 && ref.name() !== head) NodeGit.Reference.remove(repo, ref.name());
    }
    const leftovers = await repo.getStatus({
      flags: STATUS_INCLUDE_UNTRACKED | STATUS_INCLUDE_IGNORED | STATUS_RECURSE_UNTRACKED_DIRS | STATUS_RECURSE_IGNORED_DIRS,
    });
    if (leftovers.length > 0) {
      throw new Error(`reused tree not clean: ${leftovers.slice(0, 5).map((s) => s.path()).join(", ")}`);
    }
  } catch (error) {
    await repo.cleanup();
    throw error;
  }
  return repo;
}

/**
 * What a job could change in .git to affect the next one: the config (remote
 * URL, filters), the exclude and attributes files, and alternates (objects of
 * other repositories, which a push would then send).
 */
async function readTreeSnapshot(dir: string): Promise<string> {
  const read = async (file: string): Promise<string | null> => {
    try {
      return await readFile(join(dir, ".git", file), "utf8");
    } catch {
      return null;
    }
  };
  return JSON.stringify({
    config: await read("config"),
    exclude: await read("info/exclude"),
    attributes: await read("info/attributes"),
    alternates: await read("objects/info/alternates"),
  });
}

function isRemoteOrRequestError(error: unknown): boolean {
  if (error instanceof GitRemoteError) return true;
  return error instanceof Error && error.message.includes("does not exist on the remote");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The request promises a fresh directory; refusing a non-empty one keeps the cleanup below from deleting someone's files. */
async function assertUsableDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return;
    throw error;
  }
  if (entries.length > 0) throw new Error(`checkout directory is not empty: ${dir}`);
}
