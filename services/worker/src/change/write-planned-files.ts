import type { PlannedWrite } from "./patch-tree-state.js";
import { removeTreeFile, writeTreeFile } from "./no-follow-write.js";

/**
 * Puts a fully validated plan on disk. Every path is checked again as it is
 * written, component by component and without following any link, so a
 * symlink created by an earlier write in the same plan (or committed in the
 * repository) cannot redirect a later one. An I/O error here can leave some
 * files written; the task is then retried on a fresh clone, so the
 * half-written tree is discarded.
 */
export async function writePlannedFiles(root: string, writes: readonly PlannedWrite[]): Promise<void> {
  for (const write of writes) {
    if (write.content === null) await removeTreeFile(root, write.path);
    else await writeTreeFile(root, write.path, { content: write.content, executable: write.executable });
  }
}
