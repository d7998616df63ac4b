import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type {
  CheckoutRequest,
  GitAuthor,
  GitWorkspace,
  GitWorkspaceFactory,
} from "../ports/git-workspace.js";

interface FakeCommit {
  sha: string;
  message: string;
  files: Map<string, string>;
  parent: FakeCommit | undefined;
}

/**
 * An in-memory remote with branches of commits, and real directories for the
 * working trees (handlers write files), so process-level logic can be tested
 * without git. Pushes must fast-forward, like a real remote.
 */
export class FakeRemote {
  readonly branches = new Map<string, FakeCommit>();
  pushes = 0;
  private counter = 0;

  constructor(defaultBranch = "main", files: Record<string, string> = { "README.md": "hello\n" }) {
    this.branches.set(defaultBranch, this.commit("initial", new Map(Object.entries(files)), undefined));
  }

  commit(message: string, files: Map<string, string>, parent: FakeCommit | undefined): FakeCommit {
    this.counter++;
    return { sha: this.counter.toString(16).padStart(40, "0"), message, files, parent };
  }

  filesAt(branch: string): Map<string, string> | undefined {
    return this.branches.get(branch)?.files;
  }
}

export class FakeGitWorkspaceFactory implements GitWorkspaceFactory {
  readonly checkouts: string[] = [];

  constructor(private readonly remotes: Map<string, FakeRemote>) {}

  async checkout(request: CheckoutRequest): Promise<GitWorkspace> {
    const remote = this.remotes.get(request.cloneUrl);
    if (remote === undefined) throw new Error(`no fake remote for ${request.cloneUrl}`);
    this.checkouts.push(request.cloneUrl);
    await mkdir(request.dir, { recursive: true });
    return new FakeGitWorkspace(remote, request.dir, request.defaultBranch);
  }
}

class FakeGitWorkspace implements GitWorkspace {
  private readonly snapshot: Map<string, FakeCommit>;
  private head: FakeCommit | undefined;
  private branch: string | undefined;

  constructor(
    private readonly remote: FakeRemote,
    readonly dir: string,
    private readonly defaultBranch: string,
  ) {
    this.snapshot = new Map(remote.branches);
  }

  remoteBranches(): ReadonlyMap<string, string> {
    return new Map([...this.snapshot].map(([name, c]) => [name, c.sha]));
  }

  async checkoutNewBranch(branch: string, from: string): Promise<void> {
    const tip = this.snapshot.get(from);
    if (tip === undefined) throw new Error(`no remote branch ${from}`);
    this.head = tip;
    this.branch = branch;
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    for (const [file, content] of tip.files) {
      const full = path.join(this.dir, file);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  }

  async changedPaths(): Promise<string[]> {
    if (this.head === undefined) return [];
    const files = await readTree(this.dir);
    const head = this.head.files;
    return [...new Set([...files.keys(), ...head.keys()])].filter((f) => files.get(f) !== head.get(f)).sort();
  }

  async commitAll(message: string, _author: GitAuthor): Promise<string | undefined> {
    if (this.head === undefined) throw new Error("nothing checked out");
    const files = await readTree(this.dir);
    if (sameFiles(files, this.head.files)) return undefined;
    this.head = this.remote.commit(message, files, this.head);
    return this.head.sha;
  }

  async push(branch: string): Promise<void> {
    if (this.head === undefined || branch !== this.branch) throw new Error("push of a branch not checked out");
    const current = this.remote.branches.get(branch);
    let ff = current === undefined;
    for (let c: FakeCommit | undefined = this.head; c !== undefined && !ff; c = c.parent) ff = c === current;
    if (!ff) throw new Error("non-fast-forward");
    this.remote.branches.set(branch, this.head);
    this.remote.pushes++;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function readTree(dir: string, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) for (const [k, v] of await readTree(dir, rel)) out.set(k, v);
    else out.set(rel, await readFile(path.join(dir, rel), "utf8"));
  }
  return out;
}

function sameFiles(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}
