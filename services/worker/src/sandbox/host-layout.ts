import { lstat, readlink } from "node:fs/promises";
import type { HostLayout, SystemDir } from "./bubblewrap-args.js";

/** The top-level directories that hold programs and libraries besides /usr; which exist depends on the distribution. */
const SYSTEM_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] as const;

/**
 * How this host lays out its system directories, read once. On a merged-/usr
 * system (Debian 12, Fedora) /bin and friends are symlinks into /usr and are
 * recreated as symlinks; elsewhere they are real directories and bound read-only.
 */
export async function readHostLayout(): Promise<HostLayout> {
  const dirs = await Promise.all(SYSTEM_DIRS.map(readSystemDir));
  return { systemDirs: dirs.filter((dir): dir is SystemDir => dir !== undefined) };
}

async function readSystemDir(dir: string): Promise<SystemDir | undefined> {
  try {
    const stats = await lstat(dir);
    if (stats.isSymbolicLink()) return { path: dir, symlinkTarget: await readlink(dir) };
    return stats.isDirectory() ? { path: dir } : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
