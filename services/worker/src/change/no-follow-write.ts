import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, realpath, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { ChangeFailedError } from "@agent-runner/core";
import { lstatIfExists } from "./lstat-if-exists.js";

export interface TreeFileWrite {
  readonly content: string | Buffer;
  /** Sets the mode to 0755 (true) or 0644 (false); unset leaves it (a new file gets the default). */
  readonly executable?: boolean | undefined;
}

/** O_NONBLOCK: a FIFO raced into place must not hang the worker; O_TRUNC waits until the file is known to be ours. */
const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/*
 * Files the worker itself writes into a working tree (the trace file, the
 * patch handler's files) never go through a symbolic link: the tree is the
 * target repository's content, and a repository can commit `agent-tasks` as a
 * link to /tmp/evil, or a change command can leave one behind.
 *
 * Node has no openat/mkdirat, so each directory below the tree root is lstat'ed
 * (and created, one at a time, by a mkdir that never follows a link), the file
 * is opened with O_NOFOLLOW and not truncated until fstat shows a regular file
 * with a single link, whose directory still resolves to the checked path and
 * whose inode is the one at that path. A process swapping a directory for a
 * link mid-write (none should run: the change command's process group is gone
 * by then) could at worst make the worker create an empty file or directory
 * elsewhere; it cannot make it write into, truncate or delete anything else.
 */

/** Writes `relative` (a clean repo-relative path) below `root`, creating directories as needed. */
export async function writeTreeFile(root: string, relative: string, write: TreeFileWrite): Promise<void> {
  const { realRoot, dirs, name } = await splitTreePath(root, relative);
  const dir = await walkDirectories(realRoot, dirs, relative, true);
  const file = path.join(dir, name);
  await refuseUnlessRegularOrAbsent(file, relative, dirs.concat(name));
  const handle = await openNoFollow(file, relative);
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) refuse(relative, `${code(relative)} is not a regular file`);
    if (opened.nlink > 1) refuse(relative, `${code(relative)} has other hard links`);
    await assertStillInPlace(dir, file, opened, relative);
    await handle.truncate(0);
    await handle.writeFile(write.content);
    if (write.executable !== undefined) await handle.chmod(write.executable ? 0o755 : 0o644);
  } finally {
    await handle.close();
  }
}

/** Deletes the regular file `relative` below `root`; its directories are not created, and links refused. */
export async function removeTreeFile(root: string, relative: string): Promise<void> {
  const { realRoot, dirs, name } = await splitTreePath(root, relative);
  const dir = await walkDirectories(realRoot, dirs, relative, false);
  const file = path.join(dir, name);
  const info = await lstat(file);
  if (info.isSymbolicLink()) refuse(relative, `${code(relative)} is a symbolic link`);
  if (!info.isFile()) refuse(relative, `${code(relative)} is not a regular file`);
  if ((await realpath(dir)) !== dir) refuse(relative, "a directory on its path changed while it was being deleted");
  await unlink(file);
}

async function splitTreePath(root: string, relative: string): Promise<{ realRoot: string; dirs: string[]; name: string }> {
  const segments = relative.split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\0"))) {
    refuse(relative, "it is not a clean path inside the working tree");
  }
  return { realRoot: await realpath(root), dirs: segments.slice(0, -1), name: segments.at(-1)! };
}

/** The directory of the file: every component checked (or created) without following a link. */
async function walkDirectories(realRoot: string, dirs: readonly string[], relative: string, create: boolean): Promise<string> {
  let current = realRoot;
  for (const [i, segment] of dirs.entries()) {
    current = path.join(current, segment);
    const shown = dirs.slice(0, i + 1).join("/");
    let info = await lstatIfExists(current);
    if (info === undefined && create) {
      // Not recursive: mkdir never follows a link at its last component, it fails with EEXIST.
      await mkdir(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
      info = await lstatIfExists(current);
    }
    if (info === undefined) return current;
    if (info.isSymbolicLink()) refuse(relative, `${code(shown)} is a symbolic link`);
    if (!info.isDirectory()) refuse(relative, `${code(shown)} is not a directory`);
  }
  return current;
}

async function refuseUnlessRegularOrAbsent(file: string, relative: string, segments: readonly string[]): Promise<void> {
  const info = await lstatIfExists(file);
  if (info === undefined) return;
  const shown = segments.join("/");
  if (info.isSymbolicLink()) refuse(relative, `${code(shown)} is a symbolic link`);
  if (!info.isFile()) refuse(relative, `${code(shown)} is not a regular file`);
}

async function openNoFollow(file: string, relative: string): Promise<FileHandle> {
  try {
    return await open(file, OPEN_FLAGS, 0o644);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    // ELOOP: a link appeared at the name after the lstat; ENXIO: a FIFO nobody reads.
    if (errno === "ELOOP") refuse(relative, `${code(relative)} is a symbolic link`);
    if (errno === "ENXIO" || errno === "EISDIR") refuse(relative, `${code(relative)} is not a regular file`);
    throw error;
  }
}

/** The opened file is the one at `file` now, and `dir` still resolves to itself: no link was swapped in on the way. */
async function assertStillInPlace(dir: string, file: string, opened: Stats, relative: string): Promise<void> {
  const [resolved, atPath] = await Promise.all([realpath(dir), lstatIfExists(file)]);
  if (resolved !== dir || atPath === undefined || atPath.dev !== opened.dev || atPath.ino !== opened.ino) {
    refuse(relative, "a directory on its path changed while it was being written");
  }
}

function refuse(relative: string, why: string): never {
  throw new ChangeFailedError(
    `writing ${JSON.stringify(relative)} in the working tree refused: ${why}`,
    `the runner refuses to write ${code(relative)} in the target repository: ${why} (it never writes through a symbolic link or outside the working tree)`,
  );
}

/** A path from the repository, shown as inline code: no backtick or control character can break out of it. */
function code(text: string): string {
  const clean = text.replace(/[\u0000-\u001f`]/g, "?");
  return `\`${clean.length > 200 ? `${clean.slice(0, 197)}...` : clean}\``;
}
