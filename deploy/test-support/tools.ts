import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root (deploy/test-support/../..). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

/** True when `command args...` runs and exits 0 (e.g. `docker compose version`). */
export function runs(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 10_000 });
  return result.error === undefined && result.status === 0;
}

export function run(command: string, args: readonly string[], cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { encoding: "utf8", timeout: 20_000, cwd });
}

/** Output of a finished command, for assertion messages. */
export function describeRun(command: string, args: readonly string[], result: SpawnSyncReturns<string>): string {
  return [`$ ${command} ${args.join(" ")}`, `exit ${result.status}${result.error ? ` (${result.error.message})` : ""}`, result.stdout, result.stderr]
    .filter((part) => part !== "")
    .join("\n");
}
