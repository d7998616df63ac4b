import { constants, chmodSync, mkdirSync, statSync, type Stats } from "node:fs";
import { chmod, mkdir, open, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Only the worker's user may enter the directories holding other tasks' trees
 * and mirrors: 0700, with nothing for the group or others.
 */
export const PRIVATE_DIR_MODE = 0o700;
const OPEN_NO_FOLLOW = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Creates `dir` (missing parents too) with mode 0700, or tightens an existing
 * one that is looser. Refuses a directory that belongs to another user: the
 * default WORKSPACE_DIR lives in the shared temp directory, where anyone could
 * have created it first. Synchronous: it runs once, when the adapter is built.
 */
export function ensurePrivateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const info = statSync(dir);
  assertOwnDirectory(dir, info);
  if ((info.mode & 0o077) !== 0) chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * ensurePrivateDirSync for the workspace root, with one exception: a
 * directory root made for the worker (a Kubernetes emptyDir, a Docker volume)
 * cannot be tightened by the worker and is accepted as it is; what the worker
 * creates in it is private. Returns false when it was left as it is.
 */
export function ensureWorkspaceRootSync(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const info = statSync(dir);
  const uid = process.getuid?.();
  if (info.isDirectory() && info.uid === 0 && uid !== undefined && uid !== 0) return (info.mode & 0o077) === 0;
  assertOwnDirectory(dir, info);
  if ((info.mode & 0o077) !== 0) chmodSync(dir, PRIVATE_DIR_MODE);
  return true;
}

/** ensurePrivateDirSync for the hot path (per checkout). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const info = await stat(dir);
  assertOwnDirectory(dir, info);
  if ((info.mode & 0o077) !== 0) await chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes `dir` private, and every directory from `root` down to it when it lies
 * below `root` (the jobs directory an older worker created 0755, say).
 * Directories outside `root` (a caller's temp dir, /tmp) are never touched.
 */
export async function ensurePrivatePath(root: string | undefined, dir: string): Promise<void> {
  const below = root === undefined ? undefined : path.relative(root, path.dirname(dir));
  if (root !== undefined && below !== undefined && !below.startsWith("..") && !path.isAbsolute(below)) {
    let current = root;
    for (const part of below.split(path.sep).filter((p) => p !== "")) {
      current = path.join(current, part);
      await ensurePrivateDir(current);
    }
  }
  await ensurePrivateDir(dir);
}

/**
 * Writes a file the worker keeps for itself (a lock owner, a cache marker, a
 * tree snapshot) without following a symbolic link at its name; its directory
 * is one of the worker's private ones.
 */
export async function writePrivateFile(file: string, data: string): Promise<void> {
  const handle = await open(file, OPEN_NO_FOLLOW, 0o600);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

function assertOwnDirectory(dir: string, info: Stats): void {
  if (!info.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new Error(`${dir} belongs to uid ${info.uid}, not to the worker's user (uid ${uid}); refusing to keep repositories there`);
  }
}
