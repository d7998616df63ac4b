import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitOrThrow, runGit, runGitSync } from "./git-command.js";

export interface BranchSha {
  name: string;
  sha: string;
}

export interface DiffStats {
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

const BRANCH_FORMAT = ["for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/heads"];

/** Reads and writes one bare repository with the git CLI; every read goes to git, so pushes are seen at once. */
export class BareRepo {
  constructor(readonly gitDir: string) {}

  async init(defaultBranch: string): Promise<void> {
    await gitOrThrow(this.gitDir, ["init", "--bare", "--quiet", `--initial-branch=${defaultBranch}`]);
    // GitHub keeps every pushed object; pushes over HTTP must not be refused for shallow or other reasons.
    await gitOrThrow(this.gitDir, ["config", "http.receivepack", "true"]);
  }

  /** Commits `files` on top of `branch` (or as a root commit) without a work tree. */
  async commitFiles(branch: string, files: Record<string, string>, message: string): Promise<string> {
    const parent = await this.revParse(branch);
    const indexDir = await mkdtemp(join(tmpdir(), "sandbox-index-"));
    const env = { GIT_INDEX_FILE: join(indexDir, "index") };
    try {
      if (parent) await gitOrThrow(this.gitDir, ["read-tree", parent], { env });
      for (const [path, content] of Object.entries(files)) {
        const blob = (await gitOrThrow(this.gitDir, ["hash-object", "-w", "--stdin"], { input: content })).trim();
        await gitOrThrow(this.gitDir, ["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], { env });
      }
      const tree = (await gitOrThrow(this.gitDir, ["write-tree"], { env })).trim();
      const parentArgs = parent ? ["-p", parent] : [];
      const commit = (await gitOrThrow(this.gitDir, ["commit-tree", tree, ...parentArgs, "-m", message])).trim();
      await gitOrThrow(this.gitDir, ["update-ref", `refs/heads/${branch}`, commit]);
      return commit;
    } finally {
      await rm(indexDir, { recursive: true, force: true });
    }
  }

  /**
   * The commit a branch (or any rev) points at, or undefined when there is none. Branch names
   * are tried first, so a branch named like a sha prefix or a tag still means the branch.
   */
  async revParse(rev: string): Promise<string | undefined> {
    for (const candidate of rev.startsWith("refs/") ? [rev] : [`refs/heads/${rev}`, rev]) {
      const result = await runGit(this.gitDir, ["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`]);
      if (result.code === 0) return result.stdout.trim();
    }
    return undefined;
  }

  async branches(): Promise<BranchSha[]> {
    return parseBranches((await gitOrThrow(this.gitDir, BRANCH_FORMAT)).trim());
  }

  branchesSync(): BranchSha[] {
    return parseBranches(runGitSync(this.gitDir, BRANCH_FORMAT).stdout.trim());
  }

  async readFile(ref: string, path: string): Promise<string | undefined> {
    const sha = await this.revParse(ref);
    if (!sha) return undefined;
    const result = await runGit(this.gitDir, ["cat-file", "blob", `${sha}:${path}`]);
    return result.code === 0 ? result.stdout : undefined;
  }

  /** Commits reachable from `ref`; 0 when it does not exist. */
  async commitCount(ref: string): Promise<number> {
    const sha = await this.revParse(ref);
    if (!sha) return 0;
    return Number((await gitOrThrow(this.gitDir, ["rev-list", "--count", sha])).trim());
  }

  /** Commits in `head` that are not in `base`, plus the size of the change, as GitHub reports on a pull request. */
  async diffStats(base: string, head: string): Promise<DiffStats> {
    const commits = Number((await gitOrThrow(this.gitDir, ["rev-list", "--count", `${base}..${head}`])).trim());
    const numstat = await gitOrThrow(this.gitDir, ["diff", "--numstat", `${base}...${head}`]);
    let additions = 0;
    let deletions = 0;
    let changedFiles = 0;
    for (const line of numstat.split("\n").filter(Boolean)) {
      const [added = "0", deleted = "0"] = line.split("\t");
      additions += Number(added) || 0;
      deletions += Number(deleted) || 0;
      changedFiles += 1;
    }
    return { commits, additions, deletions, changedFiles };
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return (await runGit(this.gitDir, ["merge-base", "--is-ancestor", ancestor, descendant])).code === 0;
  }

  /** The tree of merging `head` into `base`, or undefined on conflicts (git ≥ 2.38 `merge-tree --write-tree`). */
  async mergeTree(base: string, head: string): Promise<string | undefined> {
    const result = await runGit(this.gitDir, ["merge-tree", "--write-tree", base, head]);
    return result.code === 0 ? result.stdout.split("\n")[0]?.trim() : undefined;
  }

  async mergeCommit(tree: string, parents: string[], message: string): Promise<string> {
    const parentArgs = parents.flatMap((parent) => ["-p", parent]);
    return (await gitOrThrow(this.gitDir, ["commit-tree", tree, ...parentArgs, "-m", message])).trim();
  }

  /** Moves a branch only if it still points at `expected` (like a compare-and-swap). */
  async updateBranch(branch: string, sha: string, expected: string): Promise<void> {
    await gitOrThrow(this.gitDir, ["update-ref", `refs/heads/${branch}`, sha, expected]);
  }
}

function parseBranches(output: string): BranchSha[] {
  if (output === "") return [];
  return output.split("\n").map((line) => {
    const [name = "", sha = ""] = line.split(" ");
    return { name, sha };
  });
}
