import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import type { GitWorkspace } from "@agent-runner/core";
import type { NodegitWorkspaceFactory } from "../nodegit-workspace-factory.js";

const run = promisify(execFile);
export const OWNER = "acme";

/**
 * What the nodegit adapter's tests share: a sandbox, repos named per suite,
 * checkouts and temp dirs released after each test, and the git CLI acting as
 * "someone else" on the same remote.
 */
export class GitTestFixture {
  private current: Sandbox | undefined;
  private scratch: string[] = [];
  private workspaces: GitWorkspace[] = [];
  private counter = 0;

  constructor(private readonly repoPrefix: string) {}

  get sandbox(): Sandbox {
    if (this.current === undefined) throw new Error("GitTestFixture.start() was not called");
    return this.current;
  }

  async start(): Promise<Sandbox> {
    this.current = await startSandbox();
    return this.current;
  }

  async close(): Promise<void> {
    await this.current?.close();
  }

  /** Disposes the test's workspaces and removes its temp dirs. */
  async cleanup(): Promise<void> {
    await Promise.all(this.workspaces.map((w) => w.dispose()));
    await Promise.all(this.scratch.map((dir) => rm(dir, { recursive: true, force: true })));
    this.workspaces = [];
    this.scratch = [];
  }

  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
    this.scratch.push(dir);
    return dir;
  }

  async createRepo(files: Record<string, string> = { "README.md": "# hello\n" }): Promise<{ name: string; cloneUrl: string }> {
    this.counter += 1;
    const name = `${this.repoPrefix}-${process.pid}-${this.counter}`;
    const info = await this.sandbox.admin.createRepo({ owner: OWNER, name, defaultBranch: "main", files });
    return { name, cloneUrl: info.clone_url };
  }

  async checkout(
    factory: NodegitWorkspaceFactory,
    cloneUrl: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<GitWorkspace> {
    const parent = await this.tempDir("ws");
    const workspace = await factory.checkout({ cloneUrl, defaultBranch: "main", dir: join(parent, "tree"), ...options });
    this.workspaces.push(workspace);
    return workspace;
  }

  /** Disposes `workspace` with the test's other workspaces. */
  track(workspace: GitWorkspace): GitWorkspace {
    this.workspaces.push(workspace);
    return workspace;
  }

  /** git CLI as "someone else": the token goes in a header of this one command, never on disk. */
  async git(args: string[], cwd?: string): Promise<string> {
    const basic = Buffer.from(`x-access-token:${this.sandbox.tokens.owner}`).toString("base64");
    const { stdout } = await run(
      "git",
      ["-c", `http.extraHeader=Authorization: Basic ${basic}`, "-c", "user.name=Someone", "-c", "user.email=someone@example.test", ...args],
      { cwd },
    );
    return stdout;
  }

  async pushAsSomeoneElse(cloneUrl: string, branch: string, file: string): Promise<string> {
    const dir = await this.tempDir("other");
    await this.git(["clone", "-q", cloneUrl, dir]);
    await this.git(["checkout", "-q", "-B", branch], dir);
    await writeFile(join(dir, file), `written by someone else at ${Date.now()}\n`);
    await this.git(["add", "-A"], dir);
    await this.git(["commit", "-qm", `someone else adds ${file}`], dir);
    await this.git(["push", "-q", "origin", `${branch}:${branch}`], dir);
    return (await this.git(["rev-parse", "HEAD"], dir)).trim();
  }

  async serverBranches(name: string): Promise<Map<string, string>> {
    const branches = await this.sandbox.admin.listBranches(OWNER, name);
    return new Map(branches.map((b) => [b.name, b.sha]));
  }
}

/** Every file under `dir` whose bytes contain `secret`. */
export async function filesContaining(dir: string, secret: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(secret)) hits.push(path);
  }
  return hits;
}

/**
 * Registers the suite's hooks (sandbox up before all, released after each and
 * after all) and returns the fixture's helpers as plain functions.
 */
export function useGitTestFixture(repoPrefix: string) {
  const fixture = new GitTestFixture(repoPrefix);
  beforeAll(async () => {
    await fixture.start();
  });
  afterAll(async () => {
    await fixture.close();
  });
  afterEach(async () => {
    await fixture.cleanup();
  });
  return {
    fixture,
    tempDir: (prefix: string) => fixture.tempDir(prefix),
    createRepo: (files?: Record<string, string>) => fixture.createRepo(files),
    checkout: (factory: NodegitWorkspaceFactory, cloneUrl: string, options?: { signal?: AbortSignal }) =>
      fixture.checkout(factory, cloneUrl, options),
    git: (args: string[], cwd?: string) => fixture.git(args, cwd),
    pushAsSomeoneElse: (cloneUrl: string, branch: string, file: string) => fixture.pushAsSomeoneElse(cloneUrl, branch, file),
    serverBranches: (name: string) => fixture.serverBranches(name),
  };
}
