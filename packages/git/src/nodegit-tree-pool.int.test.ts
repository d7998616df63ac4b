import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { GitWorkspace } from "@agent-runner/core";
import { NodegitWorkspaceFactory } from "./nodegit-workspace-factory.js";
import type { Sandbox } from "@agent-runner/github-sandbox";
import { filesContaining, useGitTestFixture } from "./test-support/git-test-fixture.js";

const run = promisify(execFile);
const AUTHOR = { name: "Agent Runner", email: "agent@example.test" };

const { fixture, tempDir, createRepo, checkout, git, pushAsSomeoneElse, serverBranches } = useGitTestFixture("pool");
let sandbox: Sandbox;

beforeAll(() => {
  sandbox = fixture.sandbox;
});

/** Pooled tree directories (not locks, not snapshots) under the cache. */
async function pooledTrees(cacheDir: string): Promise<string[]> {
  const trees: string[] = [];
  for (const entry of (await readdir(cacheDir)).filter((e) => e.endsWith(".trees"))) {
    for (const id of await readdir(join(cacheDir, entry))) {
      if (/^[0-9a-f-]{36}$/.test(id)) trees.push(join(cacheDir, entry, id));
    }
  }
  return trees;
}

/** A job that worked on a branch, pushed it, and left every kind of mess behind. */
async function messyJob(workspace: GitWorkspace, branch: string): Promise<void> {
  await workspace.checkoutNewBranch(branch, "main");
  await writeFile(join(workspace.dir, ".gitignore"), "ignored.log\nbuild/\n");
  await workspace.commitAll("ignore logs", AUTHOR);
  await workspace.push(branch);
  await writeFile(join(workspace.dir, "untracked.txt"), "left behind\n");
  await writeFile(join(workspace.dir, "ignored.log"), "ignored\n");
  await rm(join(workspace.dir, "build"), { recursive: true, force: true });
  await run("mkdir", ["-p", join(workspace.dir, "build")]);
  await writeFile(join(workspace.dir, "build", "out.bin"), "ignored dir\n");
  await writeFile(join(workspace.dir, "README.md"), "modified\n");
  await writeFile(join(workspace.dir, "staged.txt"), "staged\n");
  await git(["add", "staged.txt"], workspace.dir);
  await writeFile(join(workspace.dir, "src", "a.txt"), "staged modification\n");
  await git(["add", "src/a.txt"], workspace.dir);
  await writeFile(join(workspace.dir, ".agent-trace.md"), "trace of the previous task\n");
}

describe("NodegitWorkspaceFactory tree pool", () => {
  it("reuses a tree disposed as reusable, cleaned of untracked, ignored, modified and staged leftovers", async () => {
    const repo = await createRepo({ "README.md": "# hello\n", "src/a.txt": "a\n" });
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    const first = await checkout(factory, repo.cloneUrl);
    await messyJob(first, "agent-task-messy");
    const firstDir = first.dir;
    await first.dispose({ reusable: true });

    const second = await checkout(factory, repo.cloneUrl);

    expect(second.dir).toBe(firstDir);
    expect(await git(["status", "--porcelain", "--ignored", "--untracked-files=all"], second.dir)).toBe("");
    expect(await second.changedPaths()).toEqual([]);
    for (const gone of ["untracked.txt", "ignored.log", "build", "staged.txt", ".gitignore", ".agent-trace.md"]) {
      expect(existsSync(join(second.dir, gone))).toBe(false);
    }
    expect(await readFile(join(second.dir, "README.md"), "utf8")).toBe("# hello\n");
    expect(await readFile(join(second.dir, "src/a.txt"), "utf8")).toBe("a\n");
    expect((await git(["symbolic-ref", "HEAD"], second.dir)).trim()).toBe("refs/heads/main");
    expect((await git(["rev-parse", "HEAD"], second.dir)).trim()).toBe((await serverBranches(repo.name)).get("main"));
    expect((await git(["for-each-ref", "--format=%(refname)", "refs/heads"], second.dir)).trim()).toBe("refs/heads/main");
    expect(second.remoteBranches()).toEqual(await serverBranches(repo.name));

    // And the reused tree works for the next job: only its own change is committed.
    await second.checkoutNewBranch("agent-task-next", "main");
    await writeFile(join(second.dir, "next.txt"), "next\n");
    expect(await second.changedPaths()).toEqual(["next.txt"]);
    const sha = await second.commitAll("next", AUTHOR);
    await second.push("agent-task-next");
    expect((await serverBranches(repo.name)).get("agent-task-next")).toBe(sha);
    const files = await git(["ls-tree", "-r", "--name-only", sha!], second.dir);
    expect(files.trim().split("\n").sort()).toEqual(["README.md", "next.txt", "src/a.txt"]);
  });

  it("a reused tree sees branches pushed and deleted by others meanwhile", async () => {
    const repo = await createRepo();
    await pushAsSomeoneElse(repo.cloneUrl, "short-lived", "x.txt");
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    const first = await checkout(factory, repo.cloneUrl);
    expect(first.remoteBranches().has("short-lived")).toBe(true);
    const firstDir = first.dir;
    await first.dispose({ reusable: true });

    await git(["push", "-q", repo.cloneUrl, ":refs/heads/short-lived"]);
    const mainTip = await pushAsSomeoneElse(repo.cloneUrl, "main", "later.txt");
    const featureTip = await pushAsSomeoneElse(repo.cloneUrl, "agent-task-new", "feature.txt");
    const second = await checkout(factory, repo.cloneUrl);

    expect(second.dir).toBe(firstDir);
    expect(second.remoteBranches()).toEqual(new Map([["main", mainTip], ["agent-task-new", featureTip]]));
    expect(await serverBranches(repo.name)).toEqual(second.remoteBranches());
    expect((await git(["for-each-ref", "--format=%(refname)", "refs/remotes"], second.dir)).includes("short-lived")).toBe(false);
    expect(await readFile(join(second.dir, "later.txt"), "utf8")).toContain("someone else");
    expect((await git(["rev-parse", "HEAD"], second.dir)).trim()).toBe(mainTip);
    expect((await git(["rev-list", "--count", "refs/remotes/origin/main..refs/remotes/origin/agent-task-new"], second.dir)).trim()).toBe("1");
  });

  it("hands four concurrent checkouts of one repository four distinct trees", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    const warm = await Promise.all([1, 2, 3, 4].map(() => checkout(factory, repo.cloneUrl)));
    await Promise.all(warm.map((w) => w.dispose({ reusable: true })));
    expect(await pooledTrees(cacheDir)).toHaveLength(4);

    const results = await Promise.all([1, 2, 3, 4, 5].map(() => checkout(factory, repo.cloneUrl)));

    expect(new Set(results.map((w) => w.dir)).size).toBe(5);
    expect(results.filter((w) => warm.some((old) => old.dir === w.dir))).toHaveLength(4);
    for (const workspace of results) expect(workspace.remoteBranches()).toEqual(await serverBranches(repo.name));
  });

  it("hands distinct trees to two factories sharing a cache directory", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factories = [1, 2].map(() => new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir }));
    const warm = await Promise.all([0, 1].map((i) => checkout(factories[i]!, repo.cloneUrl)));
    await Promise.all(warm.map((w) => w.dispose({ reusable: true })));

    const results = await Promise.all([0, 1, 0, 1].map((i) => checkout(factories[i]!, repo.cloneUrl)));

    expect(new Set(results.map((w) => w.dir)).size).toBe(4);
  });

  it("deletes the tree instead of pooling it when disposed without reusable (a failed job)", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    const failed = await checkout(factory, repo.cloneUrl);
    await writeFile(join(failed.dir, "half-done.txt"), "x\n");

    await failed.dispose();
    await failed.dispose({ reusable: true });

    expect(existsSync(failed.dir)).toBe(false);
    expect(await pooledTrees(cacheDir)).toEqual([]);
    const next = await checkout(factory, repo.cloneUrl);
    expect(next.dir).not.toBe(failed.dir);
    expect(existsSync(join(next.dir, "half-done.txt"))).toBe(false);
  });

  it("never leaves the requested directory behind, and dispose deletes a reusable tree beyond maxIdleTreesPerRepo", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir, maxIdleTreesPerRepo: 2 });
    const parent = await tempDir("ws");
    const requested = [1, 2, 3, 4].map((i) => join(parent, `t${i}`));
    const all = await Promise.all(requested.map((dir) => factory.checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "main", dir })));

    for (const workspace of all) await workspace.dispose({ reusable: true });

    expect(await pooledTrees(cacheDir)).toHaveLength(2);
    expect(all.filter((w) => existsSync(w.dir))).toHaveLength(2);
    expect(await readdir(parent)).toEqual([]);
  });

  it("discards a pooled tree whose git config a job changed", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const warn: string[] = [];
    const factory = new NodegitWorkspaceFactory({
      token: sandbox.tokens.owner,
      cacheDir,
      logger: { debug: () => undefined, warn: (_o, msg) => warn.push(msg) },
    });
    const first = await checkout(factory, repo.cloneUrl);
    await git(["remote", "set-url", "--push", "origin", "https://elsewhere.example/x.git"], first.dir);
    await first.dispose({ reusable: true });

    const second = await checkout(factory, repo.cloneUrl);

    expect(second.dir).not.toBe(first.dir);
    expect(await readFile(join(second.dir, ".git/config"), "utf8")).not.toContain("elsewhere");
    expect(warn).toEqual([expect.stringContaining("pooled working tree unusable")]);
    expect(await pooledTrees(cacheDir)).toEqual([second.dir]);
  });

  it("evicts pooled trees together with their mirror", async () => {
    const [a, b] = [await createRepo(), await createRepo()];
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir, maxCacheBytes: 1 });
    await (await checkout(factory, a.cloneUrl)).dispose({ reusable: true });
    expect(await pooledTrees(cacheDir)).toHaveLength(1);

    const other = await checkout(factory, b.cloneUrl);

    expect(await pooledTrees(cacheDir)).toEqual([other.dir]);
    expect((await readdir(cacheDir)).filter((e) => e.endsWith(".git") || e.endsWith(".trees"))).toHaveLength(2);
  });

  it("never writes the token into pooled trees or the cache", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    for (const branch of ["agent-task-t1", "agent-task-t2"]) {
      const workspace = await checkout(factory, repo.cloneUrl);
      await workspace.checkoutNewBranch(branch, "main");
      await writeFile(join(workspace.dir, `${branch}.txt`), "s\n");
      await workspace.commitAll("s", AUTHOR);
      await workspace.push(branch);
      await workspace.dispose({ reusable: true });
    }

    expect(await pooledTrees(cacheDir)).toHaveLength(1);
    expect(await filesContaining(cacheDir, sandbox.tokens.owner)).toEqual([]);
  });

  it("takes over an idle tree whose lock a dead process left, but never one a live process holds", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    const first = await checkout(factory, repo.cloneUrl);
    await first.dispose({ reusable: true });
    const lockDir = `${first.dir}.lock`;
    await mkdir(lockDir);
    await writeFile(join(lockDir, "owner.json"), JSON.stringify({ token: "busy", pid: process.pid, host: hostname() }));

    const whileHeld = await checkout(factory, repo.cloneUrl);
    expect(whileHeld.dir).not.toBe(first.dir);
    await whileHeld.dispose();

    await writeFile(join(lockDir, "owner.json"), JSON.stringify({ token: "dead", pid: await pidOfExitedProcess(), host: hostname() }));
    const afterDeath = await checkout(factory, repo.cloneUrl);
    expect(afterDeath.dir).toBe(first.dir);
    expect(await afterDeath.changedPaths()).toEqual([]);
  });

  it("replaces a pooled tree that fetches have split into dozens of packs with a fresh clone", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    const first = await checkout(factory, repo.cloneUrl);
    await first.dispose({ reusable: true });
    const packDir = join(first.dir, ".git", "objects", "pack");
    const pack = (await readdir(packDir)).find((f) => f.endsWith(".pack"))!.replace(/\.pack$/, "");
    for (let i = 0; i < 40; i++) {
      const copy = `pack-${i.toString(16).padStart(40, "0")}`;
      for (const ext of [".pack", ".idx"]) await copyFile(join(packDir, pack + ext), join(packDir, copy + ext));
    }

    const second = await checkout(factory, repo.cloneUrl);

    expect(second.dir).not.toBe(first.dir);
    expect(existsSync(first.dir)).toBe(false);
    expect(await pooledTrees(cacheDir)).toEqual([second.dir]);
  });
});

async function pidOfExitedProcess(): Promise<number> {
  const child = (await import("node:child_process")).spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}
