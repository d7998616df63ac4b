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
    // No http.receivepack config needed: http-backend enables receive-pack when REMOTE_USER is set.
    await gitOrThrow(this.gitDir, ["init", "--bare", "--quiet", `--initial-branch=${defaultBranch}`]);
  }

  /**
   * Commits `files` on top of `branch` without a work tree. A missing branch starts from
   * `from` (any rev), or as a root commit when `from` is not given.
   */
  async commitFiles(branch: string, files: Record<string, string>, message: string, from?: string): Promise<string> {
    const parent = (await this.revParse(branch)) ?? (from === undefined ? undefined : await this.requireRev(from));
    return this.importCommit(branch, files, message, parent);
  }

  /** The first commit of a fresh repository (no lookup of a parent needed). */
  initialCommit(branch: string, files: Record<string, string>, message: string): Promise<string> {
    return this.importCommit(branch, files, message, undefined);
  }

  /** One `git fast-import` process writes blobs, trees, the commit and the ref. */
  private async importCommit(branch: string, files: Record<string, string>, message: string, parent: string | undefined): Promise<string> {
    // The newline `join` puts after each data block is fast-import's optional LF; a blank line would end the commit.
    const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}`;
    const stream = [
      `commit refs/heads/${branch}`,
      "mark :1",
      `committer GitHub Sandbox <sandbox@github-sandbox.invalid> ${Math.floor(Date.now() / 1000)} +0000`,
      data(message),
      ...(parent ? [`from ${parent}`] : []),
      ...Object.entries(files).map(([path, content]) => `M 100644 inline ${quotePath(path)}\n${data(content)}`),
      "",
      "get-mark :1",
      "done",
      "",
    ].join("\n");
    const output = await gitOrThrow(this.gitDir, ["fast-import", "--quiet", "--done"], { input: stream });
    return output.trim().split("\n").pop() ?? "";
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

  async createBranch(branch: string, from: string): Promise<string> {
    const sha = await this.requireRev(from);
    await gitOrThrow(this.gitDir, ["update-ref", `refs/heads/${branch}`, sha, ""]);
    return sha;
  }

  async deleteBranch(branch: string): Promise<void> {
    await gitOrThrow(this.gitDir, ["update-ref", "-d", `refs/heads/${branch}`]);
  }

  async branches(): Promise<BranchSha[]> {
    return parseBranches((await gitOrThrow(this.gitDir, BRANCH_FORMAT)).trim());
  }

  branchesSync(): BranchSha[] {
    return parseBranches(runGitSync(this.gitDir, BRANCH_FORMAT).stdout.trim());
  }

  /** The pull request diff of one file (`base...head`, three lines of context), synchronously; "" when the file did not change. */
  fileDiffSync(base: string, head: string, path: string): string {
    return runGitSync(this.gitDir, ["diff", "--unified=3", "--no-color", "--no-ext-diff", `${base}...${head}`, "--", path]).stdout;
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

  private async requireRev(rev: string): Promise<string> {
    const sha = await this.revParse(rev);
    if (!sha) throw new Error(`No revision ${rev}`);
    return sha;
  }

  /** Moves a branch only if it still points at `expected` (like a compare-and-swap). */
  async updateBranch(branch: string, sha: string, expected: string): Promise<void> {
    await gitOrThrow(this.gitDir, ["update-ref", `refs/heads/${branch}`, sha, expected]);
  }
}

/** fast-import takes C-style quoted paths; quoting every path keeps spaces and odd characters safe. */
function quotePath(path: string): string {
  return `"${path.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function parseBranches(output: string): BranchSha[] {
  if (output === "") return [];
  return output.split("\n").map((line) => {
    const [name = "", sha = ""] = line.split(" ");
    return { name, sha };
  });
}
