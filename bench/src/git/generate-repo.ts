import path from "node:path";
import { git } from "./git-cli.js";
import { writeHistory, type HistorySpec } from "./history-stream.js";

export interface GeneratedRepo {
  readonly gitDir: string;
  readonly commits: number;
  readonly files: number;
  readonly packBytes: number;
  readonly seconds: number;
}

/**
 * Builds a bare repository with `spec`'s history in `parentDir`: fast-import
 * writes it, a repack finds the deltas between versions of each file (as a
 * real repository's pack has them).
 */
export async function generateRepo(parentDir: string, spec: HistorySpec): Promise<GeneratedRepo> {
  const started = performance.now();
  const gitDir = path.join(parentDir, "generated.git");
  await git(["init", "--bare", "--quiet", "--initial-branch=main", gitDir]);
  await git(["fast-import", "--quiet", "--done"], { cwd: gitDir, feed: (stdin) => writeHistory(stdin, spec) });
  // -f: fast-import deltas each blob against the previous one written, not against the same file's last version.
  await git(["repack", "-a", "-d", "-f", "-q"], { cwd: gitDir });
  const counted = (await git(["count-objects", "-v"], { cwd: gitDir })).stdout;
  const packKiB = Number(/size-pack: (\d+)/.exec(counted)?.[1] ?? 0);
  const commits = Number((await git(["rev-list", "--count", "main"], { cwd: gitDir })).stdout.trim());
  const files = (await git(["ls-tree", "-r", "--name-only", "main"], { cwd: gitDir })).stdout.split("\n").filter((l) => l !== "").length;
  return { gitDir, commits, files, packBytes: packKiB * 1024, seconds: (performance.now() - started) / 1000 };
}
