import { chmod, mkdir, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PlannedWrite } from "./patch-tree-state.js";
import { resolveTreePath } from "./tree-path.js";

/**
 * Puts a fully validated plan on disk. Every path is checked again right before
 * it is written, so a symlink created by an earlier write in the same plan
 * cannot redirect a later one. An I/O error here can leave some files written;
 * the task is then retried on a fresh clone, so the half-written tree is discarded.
 */
export async function writePlannedFiles(root: string, writes: readonly PlannedWrite[]): Promise<void> {
  for (const write of writes) {
    const file = await resolveTreePath(root, write.path);
    if (write.content === null) {
      await unlink(file);
      continue;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, write.content);
    if (write.executable !== undefined) await chmod(file, write.executable ? 0o755 : 0o644);
  }
}
