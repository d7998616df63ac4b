import { readdir, rm } from "node:fs/promises";
import NodeGit from "nodegit";
import { isAbortError, throwIfAborted } from "./abort-error.js";
import type { CheckoutRequest, GitWorkspace, GitWorkspaceFactory } from "./git-workspace.js";
import { MirrorCacheLayout } from "./mirror-cache-layout.js";
import { pruneMirrorCache } from "./mirror-cache-pruner.js";
import { NodegitMirrorCache, type MirrorCacheLogger } from "./nodegit-mirror-cache.js";
import { runRemoteOperation } from "./nodegit-remote-operation.js";
import { NodegitWorkspace } from "./nodegit-workspace.js";

export interface NodegitWorkspaceFactoryOptions {
  /** Sent as the password of "x-access-token" through libgit2's credentials callback only. */
  readonly token: string;
  /** Keeps a bare mirror per remote here, shared by every factory and process pointing at it. */
  readonly cacheDir?: string;
  readonly logger?: MirrorCacheLogger;
  /** Least-recently-used mirrors are evicted beyond this total. Default 2 GiB. */
  readonly maxCacheBytes?: number;
  /** Mirrors unused for this long are evicted. Default 7 days. */
  readonly maxCacheAgeMs?: number;
}

const DEFAULT_MAX_CACHE_BYTES = 2 * 1024 ** 3;
const DEFAULT_MAX_CACHE_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** libgit2 checkout strategy bits (git2/checkout.h, libgit2 1.9). */
const CHECKOUT_FORCE = 1 << 1;
const CHECKOUT_NONE = 1 << 30;
const SILENT_LOGGER: MirrorCacheLogger = { debug: () => undefined, warn: () => undefined };

/**
 * GitWorkspaceFactory on nodegit (libgit2). Credentials never touch the
 * remote URL, the repository config or any file: libgit2 asks for them per
 * request through a callback.
 */
export class NodegitWorkspaceFactory implements GitWorkspaceFactory {
  private readonly token: string;
  private readonly logger: MirrorCacheLogger;
  private readonly layout: MirrorCacheLayout | undefined;
  private readonly mirrors: NodegitMirrorCache | undefined;
  private readonly maxCacheBytes: number;
  private readonly maxCacheAgeMs: number;

  constructor(options: NodegitWorkspaceFactoryOptions) {
    this.token = options.token;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.maxCacheBytes = options.maxCacheBytes ?? DEFAULT_MAX_CACHE_BYTES;
    this.maxCacheAgeMs = options.maxCacheAgeMs ?? DEFAULT_MAX_CACHE_AGE_MS;
    if (options.cacheDir !== undefined) {
      this.layout = new MirrorCacheLayout(options.cacheDir);
      this.mirrors = new NodegitMirrorCache({ layout: this.layout, token: this.token, logger: this.logger });
    }
  }

  async checkout(request: CheckoutRequest): Promise<GitWorkspace> {
    await assertUsableDir(request.dir);
    try {
      const repo =
        this.mirrors === undefined ? await this.cloneDirect(request) : await this.cloneViaMirror(request, this.mirrors);
      return await NodegitWorkspace.open({ repo, dir: request.dir, defaultBranch: request.defaultBranch, token: this.token });
    } catch (error) {
      await rm(request.dir, { recursive: true, force: true });
      throw error;
    }
  }

  private async cloneDirect(request: CheckoutRequest): Promise<NodeGit.Repository> {
    const cloned = await runRemoteOperation(
      { token: this.token, operation: "clone", signal: request.signal, fallbackKind: "network" },
      (callbacks) =>
        NodeGit.Clone(request.cloneUrl, request.dir, {
          // Checked out below, so a missing default branch is not mistaken for a network failure.
          checkoutOpts: { checkoutStrategy: CHECKOUT_NONE },
          fetchOpts: { callbacks },
        }),
    );
    await cloned.cleanup();
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
