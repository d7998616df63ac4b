export interface GitAuthor {
  readonly name: string;
  readonly email: string;
}

export interface CheckoutRequest {
  /** The repo's clone_url from the API: credentials are never part of it. */
  readonly cloneUrl: string;
  readonly defaultBranch: string;
  /**
   * A directory that does not exist yet; the workspace owns it until dispose().
   * A factory that pools working trees may check out elsewhere and leave this
   * directory alone: callers must always work in `GitWorkspace.dir`.
   */
  readonly dir: string;
  readonly signal?: AbortSignal;
}

/**
 * A checked-out working tree of a remote repository, on which one job works.
 * Implementations talk to the remote with credentials they hold themselves.
 */
export interface DisposeOptions {
  /**
   * The job finished normally and nothing will write to the tree any more:
   * the factory may keep it (cleaned on the next checkout) instead of deleting it.
   * Default false: after a failure, a timeout or any doubt, the tree is deleted.
   */
  readonly reusable?: boolean;
}

export interface GitWorkspace {
  /** Where the working tree is: the requested `dir`, or a pooled tree elsewhere. */
  readonly dir: string;
  /** Branches on the remote at checkout time: name → sha. */
  remoteBranches(): ReadonlyMap<string, string>;
  /** Creates and checks out local `branch` at the remote `from` branch's tip. */
  checkoutNewBranch(branch: string, from: string): Promise<void>;
  /** Repo-relative paths that differ from HEAD (modified, new or deleted), untracked files included. */
  changedPaths(): Promise<string[]>;
  /** Stages every change in the tree and commits; `undefined` when there is nothing to commit. */
  commitAll(message: string, author: GitAuthor): Promise<string | undefined>;
  /** Pushes local `branch` to the remote branch of the same name (fast-forward only). */
  push(branch: string, signal?: AbortSignal): Promise<void>;
  /** Removes the working tree, or returns it to the factory's pool when `reusable`. Safe to call twice; the first call decides. */
  dispose(options?: DisposeOptions): Promise<void>;
}

export interface GitWorkspaceFactory {
  checkout(request: CheckoutRequest): Promise<GitWorkspace>;
}
