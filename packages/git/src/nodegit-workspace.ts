import { rm } from "node:fs/promises";
import NodeGit from "nodegit";
import type { DisposeOptions, GitAuthor, GitWorkspace } from "@agent-runner/core";
import type { MirrorCacheLogger } from "./nodegit-mirror-cache.js";
import { runRemoteOperation, type GitToken } from "./nodegit-remote-operation.js";
import { PUSH_NETWORK_OPTIONS, remoteForUrl } from "./remote-by-url.js";
import { TreeConfigGuard } from "./tree-config-guard.js";

const REMOTE = "origin";
const REMOTE_PREFIX = `refs/remotes/${REMOTE}/`;
/** libgit2 checkout strategy bits (git2/checkout.h). */
const CHECKOUT_FORCE = 1 << 1;
const CHECKOUT_REMOVE_UNTRACKED = 1 << 5;
/** libgit2 status option bits (git2/status.h). */
const STATUS_INCLUDE_UNTRACKED = 1 << 0;
const STATUS_RECURSE_UNTRACKED_DIRS = 1 << 4;

export interface NodegitWorkspaceOptions {
  readonly repo: NodeGit.Repository;
  readonly dir: string;
  /** The repository's clone URL from the API: the only place pushes go, whatever the tree's config says. */
  readonly cloneUrl: string;
  readonly defaultBranch: string;
  readonly token: GitToken;
  readonly logger?: MirrorCacheLogger;
  /** Replaces deleting `dir` on dispose (a pooled tree goes back to its pool). */
  readonly release?: (reusable: boolean) => Promise<void>;
}

/** A GitWorkspace over a nodegit Repository; created by NodegitWorkspaceFactory. */
export class NodegitWorkspace implements GitWorkspace {
  readonly dir: string;
  private readonly repo: NodeGit.Repository;
  private readonly cloneUrl: string;
  private readonly defaultBranch: string;
  private readonly token: GitToken;
  private readonly logger: MirrorCacheLogger | undefined;
  private readonly release: ((reusable: boolean) => Promise<void>) | undefined;
  private readonly config: TreeConfigGuard;
  private branchesAtCheckout: ReadonlyMap<string, string> = new Map();
  private disposed = false;

  private constructor(options: NodegitWorkspaceOptions, config: TreeConfigGuard) {
    this.repo = options.repo;
    this.dir = options.dir;
    this.cloneUrl = options.cloneUrl;
    this.defaultBranch = options.defaultBranch;
    this.token = options.token;
    this.logger = options.logger;
    this.release = options.release;
    this.config = config;
  }

  /** Wraps a freshly checked-out repository and snapshots its remote branches and its git config. */
  static async open(options: NodegitWorkspaceOptions): Promise<NodegitWorkspace> {
    const workspace = new NodegitWorkspace(options, await TreeConfigGuard.capture(options.dir));
    workspace.branchesAtCheckout = await readRemoteBranches(options.repo);
    return workspace;
  }

  remoteBranches(): ReadonlyMap<string, string> {
    return this.branchesAtCheckout;
  }

  async checkoutNewBranch(branch: string, from: string): Promise<void> {
    assertBranchName(branch);
    await this.restoreConfig();
    const tip = await this.remoteTip(from);
    if (tip === undefined) throw new Error(`remote branch "${from}" does not exist`);
    const commit = await this.repo.getCommit(tip);
    // A plain forced ref write: createBranch refuses to move the branch HEAD is on.
    await NodeGit.Reference.create(this.repo, `refs/heads/${branch}`, tip, 1, `agent-runner: branch from ${from}`);
    // Force + remove untracked: the tree must be exactly the branch's, whatever was there.
    await NodeGit.Checkout.tree(this.repo, commit, { checkoutStrategy: CHECKOUT_FORCE | CHECKOUT_REMOVE_UNTRACKED });
    await this.repo.setHead(`refs/heads/${branch}`);
  }

  async changedPaths(): Promise<string[]> {
    await this.restoreConfig();
    const statuses = await this.repo.getStatus({
      flags: STATUS_INCLUDE_UNTRACKED | STATUS_RECURSE_UNTRACKED_DIRS,
    });
    return statuses.map((status) => status.path());
  }

  async commitAll(message: string, author: GitAuthor): Promise<string | undefined> {
    await this.restoreConfig();
    const index = await this.repo.refreshIndex();
    // addAll picks up new and modified files, updateAll drops deleted ones.
    await index.addAll(["*"], 0);
    await index.updateAll(["*"]);
    await index.write();
    const tree = await index.writeTree();
    const head = await this.headCommit();
    if (head !== undefined && head.treeId().equal(tree)) return undefined;
    const signature = NodeGit.Signature.now(author.name, author.email);
    const oid = await this.repo.createCommit("HEAD", signature, signature, message, tree, head === undefined ? [] : [head]);
    return oid.tostrS();
  }

  async push(branch: string, signal?: AbortSignal): Promise<void> {
    assertBranchName(branch);
    await this.restoreConfig();
    // Never the tree's "origin": its url, pushurl and insteadOf rewrites are whatever the change step left.
    const remote = await remoteForUrl(this.repo, this.cloneUrl);
    await runRemoteOperation(
      { token: this.token, cloneUrl: this.cloneUrl, operation: "push", signal, fallbackKind: "network" },
      (callbacks) => remote.push([`refs/heads/${branch}:refs/heads/${branch}`], { callbacks, ...PUSH_NETWORK_OPTIONS }),
    );
    // What a push through a named remote would do: the remote-tracking branch now is what the server has.
    const pushed = await NodeGit.Reference.nameToId(this.repo, `refs/heads/${branch}`);
    await NodeGit.Reference.create(this.repo, `${REMOTE_PREFIX}${branch}`, pushed, 1, "agent-runner: push");
  }

  async dispose(options: DisposeOptions = {}): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      // Releases cached pack file handles/maps before the files go away.
      await this.repo.cleanup();
    }
    if (this.release !== undefined) {
      // The pool deletes the tree unless the caller vouches for it; the first call decides.
      await this.release(options.reusable === true);
      return;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async restoreConfig(): Promise<void> {
    if (await this.config.restore()) {
      this.logger?.warn({ dir: this.dir }, "the change step rewrote the working tree's .git/config; restored the one from checkout");
    }
  }

  private async remoteTip(branch: string): Promise<NodeGit.Oid | undefined> {
    try {
      const ref = await this.repo.getReference(`${REMOTE_PREFIX}${branch}`);
      return (await ref.resolve()).target();
    } catch {
      return undefined;
    }
  }

  private async headCommit(): Promise<NodeGit.Commit | undefined> {
    if (this.repo.headUnborn() === 1) return undefined;
    return this.repo.getHeadCommit();
  }
}

async function readRemoteBranches(repo: NodeGit.Repository): Promise<ReadonlyMap<string, string>> {
  const branches = new Map<string, string>();
  for (const ref of await repo.getReferences()) {
    const name = ref.name();
    if (!name.startsWith(REMOTE_PREFIX) || ref.isSymbolic()) continue;
    const branch = name.slice(REMOTE_PREFIX.length);
    if (branch === "HEAD") continue;
    branches.set(branch, ref.target().tostrS());
  }
  return branches;
}

/** The branch name ends up in a refspec: a ":" or a leading "+" would change what gets pushed. */
function assertBranchName(branch: string): void {
  if (!NodeGit.Reference.isValidName(`refs/heads/${branch}`) || branch.startsWith("+") || branch.includes(":")) {
    throw new Error(`invalid branch name: ${JSON.stringify(branch)}`);
  }
}
