import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ChangeFailedError } from "@agent-runner/core";

const CREATE_NEW_NO_FOLLOW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * The working tree's `.git/config` as it was at checkout, put back before the
 * worker touches the repository again.
 *
 * The change step runs in the tree and can rewrite its config: remote URLs,
 * url.*.insteadOf, http.proxy, core.worktree (which would make the commit
 * pick files up elsewhere), include.path. The worker's pushes do not use the
 * tree's remotes any more, but checkout, status and commit still read the
 * config, and libgit2 re-reads a changed file. Restoring rather than refusing:
 * agent tools legitimately run `git config` for their own commits, and their
 * settings are no business of the worker's; the bytes the worker wrote at
 * checkout are all it needs. `.git` itself replaced (a symlink, another
 * directory, a `gitdir:` file) cannot be undone safely: that fails the task.
 */
export class TreeConfigGuard {
  private constructor(
    private readonly gitDir: string,
    private readonly identity: { dev: number; ino: number },
    private readonly bytes: Buffer,
  ) {}

  static async capture(treeDir: string): Promise<TreeConfigGuard> {
    const gitDir = join(treeDir, ".git");
    const info = await lstat(gitDir);
    if (!info.isDirectory()) throw new Error(`${gitDir} is not a directory`);
    return new TreeConfigGuard(gitDir, { dev: info.dev, ino: info.ino }, await readFile(join(gitDir, "config")));
  }

  /** Puts the captured config back if it changed; true when it had to. */
  async restore(): Promise<boolean> {
    await this.assertSameGitDir();
    const file = join(this.gitDir, "config");
    if (await this.unchanged(file)) return false;
    const temp = join(this.gitDir, `config.agent-runner-${randomUUID()}`);
    const handle = await open(temp, CREATE_NEW_NO_FOLLOW, 0o644);
    try {
      await handle.writeFile(this.bytes);
    } finally {
      await handle.close();
    }
    // rename replaces whatever is at `file` (a symlink included) without following it; a directory must go first.
    if ((await lstat(file).catch(() => undefined))?.isDirectory()) await rm(file, { recursive: true, force: true });
    await rename(temp, file);
    return true;
  }

  private async assertSameGitDir(): Promise<void> {
    const info = await lstat(this.gitDir).catch(() => undefined);
    if (info?.isDirectory() && info.dev === this.identity.dev && info.ino === this.identity.ino) return;
    throw new ChangeFailedError(
      "the change step replaced the working tree's .git directory",
      "the change step replaced the working tree's `.git` directory; the runner does not commit or push from a repository it did not check out",
    );
  }

  private async unchanged(file: string): Promise<boolean> {
    let handle;
    try {
      handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return false;
    }
    try {
      const info = await handle.stat();
      return info.isFile() && info.nlink === 1 && (await handle.readFile()).equals(this.bytes);
    } finally {
      await handle.close();
    }
  }
}
