import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function findWorkspaceRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error("no pnpm-workspace.yaml above the test kit");
  }
}

/**
 * A path in the repository (the directory holding pnpm-workspace.yaml), for
 * files that belong to no package: docs, deploy configs, READMEs.
 */
export function repoPath(...segments: string[]): string {
  return path.join(findWorkspaceRoot(), ...segments);
}
