import { realpath } from "node:fs/promises";
import path from "node:path";
import { ChangeFailedError } from "@agent-runner/core";
import { lstatIfExists } from "./lstat-if-exists.js";

/**
 * The absolute path of a repo-relative path, after checking that reaching it
 * follows no symbolic link and stays inside the working tree. Like git apply,
 * a patch may not write through a symlink: even one that points inside the tree
 * today could be retargeted by the same patch.
 */
export async function resolveTreePath(root: string, relative: string): Promise<string> {
  const realRoot = await realpath(root);
  const segments = relative.split("/");
  let current = realRoot;
  let deepestExisting = realRoot;
  for (const [i, segment] of segments.entries()) {
    current = path.join(current, segment);
    const stat = await lstatIfExists(current);
    if (stat === undefined) break;
    const shown = segments.slice(0, i + 1).join("/");
    if (stat.isSymbolicLink()) refuse(relative, `\`${shown}\` is a symbolic link`);
    if (i < segments.length - 1 && !stat.isDirectory()) refuse(relative, `\`${shown}\` is not a directory`);
    if (stat.isDirectory()) deepestExisting = current;
  }
  // Belt and braces: whatever exists must still resolve below the tree's real path.
  const real = await realpath(deepestExisting);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) refuse(relative, "it resolves outside the working tree");
  return path.join(realRoot, ...segments);
}

function refuse(relative: string, why: string): never {
  throw new ChangeFailedError(
    `patch path ${relative} refused: ${why}`,
    `the patch touches \`${relative.replace(/`/g, "'")}\`, which is refused: ${why}`,
  );
}
