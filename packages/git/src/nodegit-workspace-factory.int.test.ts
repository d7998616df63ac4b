import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, readdir, readFile, rm, truncate, utimes, writeFile, mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import NodeGit from "nodegit";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { classifyError } from "@agent-runner/core";
import { GitRemoteError } from "@agent-runner/core";
import { NodegitWorkspaceFactory } from "./nodegit-workspace-factory.js";
import type { Sandbox } from "@agent-runner/github-sandbox";
import { filesContaining, useGitTestFixture } from "./test-support/git-test-fixture.js";

const run = promisify(execFile);
const AUTHOR = { name: "Agent Runner", email: "agent@example.test" };
const OWNER = "acme";

const { fixture, tempDir, createRepo, checkout, git, pushAsSomeoneElse, serverBranches } = useGitTestFixture("repo");
let sandbox: Sandbox;

beforeAll(() => {
  sandbox = fixture.sandbox;
});

afterEach(async () => {
  vi.restoreAllMocks();
  sandbox.admin.clearFaults();
});

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("NodegitWorkspaceFactory without a cache", () => {
  it("checks out the default branch with origin set to the clone URL", async () => {
    const repo = await createRepo({ "README.md": "hello\n", "src/a.txt": "a\n" });
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);

    expect(await readFile(join(workspace.dir, "src/a.txt"), "utf8")).toBe("a\n");
    expect((await run("git", ["remote", "get-url", "origin"], { cwd: workspace.dir })).stdout.trim()).toBe(repo.cloneUrl);
    expect((await run("git", ["symbolic-ref", "HEAD"], { cwd: workspace.dir })).stdout.trim()).toBe("refs/heads/main");
    expect([...workspace.remoteBranches().entries()]).toEqual([...(await serverBranches(repo.name)).entries()]);
  });

  it("asks a token provider at every network operation, so a push uses the token current at push time", async () => {
    const repo = await createRepo();
    // Two tokens of the owner: the clone is given the first, the push must ask again and get the second.
    const tokens = [sandbox.admin.createUser({ login: sandbox.users.owner }).token!, sandbox.tokens.owner];
    const asked: string[] = [];
    const provider = (): Promise<string> => {
      const token = tokens[Math.min(asked.length, tokens.length - 1)]!;
      asked.push(token);
      return Promise.resolve(token);
    };
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: provider }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-provider", "main");
    await writeFile(join(workspace.dir, "CHANGE.md"), "done\n");
    await workspace.commitAll("Add CHANGE.md", AUTHOR);
    await workspace.push("agent-task-provider");

    expect(asked).toEqual(tokens);
    expect((await serverBranches(repo.name)).has("agent-task-provider")).toBe(true);
  });

  it("creates a branch, commits and pushes it so the server has the commit", async () => {
    const repo = await createRepo();
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);

    await workspace.checkoutNewBranch("agent-task-abc123", "main");
    await writeFile(join(workspace.dir, "CHANGE.md"), "done\n");
    const sha = await workspace.commitAll("Add CHANGE.md", AUTHOR);
    await workspace.push("agent-task-abc123");

    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect((await serverBranches(repo.name)).get("agent-task-abc123")).toBe(sha);
    expect(await sandbox.admin.readFile(OWNER, repo.name, "agent-task-abc123", "CHANGE.md")).toBe("done\n");
    const log = await git(["log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", sha!], workspace.dir);
    expect(log.trim()).toBe("Agent Runner <agent@example.test>|Agent Runner <agent@example.test>|Add CHANGE.md");
  });

  it("returns undefined from commitAll when nothing changed, creating no commit", async () => {
    const repo = await createRepo();
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-empty", "main");
    const headBefore = await git(["rev-parse", "HEAD"], workspace.dir);

    expect(await workspace.commitAll("Nothing", AUTHOR)).toBeUndefined();
    expect(await git(["rev-parse", "HEAD"], workspace.dir)).toBe(headBefore);
  });

  it("commits new, modified and deleted files alike", async () => {
    const repo = await createRepo({ "keep.txt": "old\n", "gone.txt": "bye\n", "dir/gone-too.txt": "bye\n" });
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-mixed", "main");

    await writeFile(join(workspace.dir, "keep.txt"), "new\n");
    await writeFile(join(workspace.dir, "added.txt"), "hi\n");
    await rm(join(workspace.dir, "gone.txt"));
    await rm(join(workspace.dir, "dir"), { recursive: true });
    const sha = await workspace.commitAll("Mixed changes", AUTHOR);

    const files = await git(["ls-tree", "-r", "--name-only", sha!], workspace.dir);
    expect(files.trim().split("\n").sort()).toEqual(["added.txt", "keep.txt"]);
    expect(await git(["status", "--porcelain"], workspace.dir)).toBe("");
  });

  it("lists the commits a remote branch has over the default branch, newest first", async () => {
    const repo = await createRepo();
    const first = await pushAsSomeoneElse(repo.cloneUrl, "feature", "one.txt");
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await workspace.checkoutNewBranch("feature", "feature");
    await writeFile(join(workspace.dir, "two.txt"), "2\n");
    const second = await workspace.commitAll("Second", AUTHOR);
    await workspace.push("feature");

    expect(workspace.remoteBranches().get("feature")).toBe(first);
    // The push built on the remote branch: both commits are on it, newest first.
    const ahead = await git(["log", "--format=%H %s", "refs/remotes/origin/main..refs/remotes/origin/feature"], workspace.dir);
    expect(ahead.trim().split("\n")).toEqual([`${second} Second`, `${first} someone else adds one.txt`]);
    expect((await serverBranches(repo.name)).get("feature")).toBe(second);
  });

  it("checks out a new branch with a working tree matching the source branch exactly", async () => {
    const repo = await createRepo({ "a.txt": "a\n" });
    await pushAsSomeoneElse(repo.cloneUrl, "other", "b.txt");
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await writeFile(join(workspace.dir, "a.txt"), "local edit\n");
    await writeFile(join(workspace.dir, "stray.txt"), "untracked\n");

    await workspace.checkoutNewBranch("agent-task-x", "other");

    expect(await readFile(join(workspace.dir, "a.txt"), "utf8")).toBe("a\n");
    expect((await readdir(workspace.dir)).sort()).toEqual([".git", "a.txt", "b.txt"]);
    expect(await git(["status", "--porcelain"], workspace.dir)).toBe("");
    expect((await git(["symbolic-ref", "HEAD"], workspace.dir)).trim()).toBe("refs/heads/agent-task-x");
  });

  it("checks out the requested default branch even when the remote HEAD names another", async () => {
    const repo = await createRepo();
    const developTip = await pushAsSomeoneElse(repo.cloneUrl, "develop", "dev.txt");

    for (const cacheDir of [undefined, await tempDir("cache")]) {
      const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
      const parent = await tempDir("ws");
      const workspace = await factory.checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "develop", dir: join(parent, "t") });
      fixture.track(workspace);

      expect((await git(["symbolic-ref", "HEAD"], workspace.dir)).trim()).toBe("refs/heads/develop");
      expect((await git(["rev-parse", "HEAD"], workspace.dir)).trim()).toBe(developTip);
      expect(await readFile(join(workspace.dir, "dev.txt"), "utf8")).toContain("someone else");
    }
  });

  it("says the default branch is missing, instead of blaming the network or the cache", async () => {
    const repo = await createRepo();
    const warn = vi.fn();

    for (const cacheDir of [undefined, await tempDir("cache")]) {
      const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir, logger: { debug: () => undefined, warn } });
      const parent = await tempDir("ws");
      const error = await catchError(factory.checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "trunk", dir: join(parent, "t") }));

      expect(error).not.toBeInstanceOf(GitRemoteError);
      expect((error as Error).message).toMatch(/default branch "trunk" does not exist/);
      await expect(readdir(join(parent, "t"))).rejects.toMatchObject({ code: "ENOENT" });
    }
    expect(warn).not.toHaveBeenCalled();
  });

  it("re-creates a branch that is already checked out at the source branch's tip", async () => {
    const repo = await createRepo();
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-again", "main");
    await writeFile(join(workspace.dir, "draft.txt"), "draft\n");
    await workspace.commitAll("draft", AUTHOR);

    await workspace.checkoutNewBranch("agent-task-again", "main");
    await workspace.checkoutNewBranch("main", "main");

    expect((await git(["rev-parse", "HEAD"], workspace.dir)).trim()).toBe(workspace.remoteBranches().get("main"));
    expect(await readdir(workspace.dir)).not.toContain("draft.txt");
  });

  it("refuses branch names that would change the pushed refspec", async () => {
    const repo = await createRepo();
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);

    await expect(workspace.push("x:refs/heads/main")).rejects.toThrow(/invalid branch name/);
    await expect(workspace.checkoutNewBranch("bad..name", "main")).rejects.toThrow(/invalid branch name/);
  });

  it("removes the working tree on dispose and tolerates a second dispose", async () => {
    const repo = await createRepo();
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);

    await workspace.dispose();
    await workspace.dispose();

    await expect(readdir(workspace.dir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a checkout directory that already has files in it, leaving them alone", async () => {
    const repo = await createRepo();
    const dir = await tempDir("busy");
    await writeFile(join(dir, "precious.txt"), "keep me\n");

    await expect(
      new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }).checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "main", dir }),
    ).rejects.toThrow(/not empty/);
    expect(await readFile(join(dir, "precious.txt"), "utf8")).toBe("keep me\n");
  });
});

describe("NodegitWorkspaceFactory remote failures", () => {
  it("fails with kind auth after at most three credential attempts when the token is wrong", async () => {
    const repo = await createRepo();
    const credentials = vi.spyOn(NodeGit.Credential, "userpassPlaintextNew");
    const factory = new NodegitWorkspaceFactory({ token: "ghp_wrongTOKEN0000000000" });
    const parent = await tempDir("ws");

    const started = Date.now();
    const error = await catchError(factory.checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "main", dir: join(parent, "t") }));

    expect(error).toBeInstanceOf(GitRemoteError);
    expect(error).toMatchObject({ kind: "auth" });
    expect(credentials.mock.calls.length).toBeLessThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(classifyError(error)).toMatchObject({ kind: "permanent" });
    expect(String((error as Error).message)).not.toContain("ghp_wrongTOKEN0000000000");
    await expect(readdir(join(parent, "t"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("fails with a permanent error when pushing with a read-only token", async () => {
    const repo = await createRepo();
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.readOnly }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-ro", "main");
    await writeFile(join(workspace.dir, "x.txt"), "x\n");
    await workspace.commitAll("x", AUTHOR);

    const error = await catchError(workspace.push("agent-task-ro"));

    expect(error).toBeInstanceOf(GitRemoteError);
    expect(["forbidden", "rejected"]).toContain((error as GitRemoteError).kind);
    expect(classifyError(error)).toMatchObject({ kind: "permanent" });
    expect((await serverBranches(repo.name)).has("agent-task-ro")).toBe(false);
  });

  it("fails with kind non_fast_forward when the remote branch moved on meanwhile", async () => {
    const repo = await createRepo();
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-race", "main");
    await writeFile(join(workspace.dir, "mine.txt"), "mine\n");
    await workspace.commitAll("mine", AUTHOR);
    const theirs = await pushAsSomeoneElse(repo.cloneUrl, "agent-task-race", "theirs.txt");

    const error = await catchError(workspace.push("agent-task-race"));

    expect(error).toMatchObject({ name: "GitRemoteError", kind: "non_fast_forward" });
    expect(classifyError(error)).toMatchObject({ kind: "transient" });
    expect((await serverBranches(repo.name)).get("agent-task-race")).toBe(theirs);
  });

  it("fails with kind not_found for a repository that does not exist", async () => {
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner });
    const parent = await tempDir("ws");

    const error = await catchError(
      factory.checkout({ cloneUrl: `${sandbox.gitUrl}/${OWNER}/does-not-exist.git`, defaultBranch: "main", dir: join(parent, "t") }),
    );

    expect(error).toMatchObject({ name: "GitRemoteError", kind: "not_found" });
    expect(classifyError(error)).toMatchObject({ kind: "permanent" });
  });

  it("fails with kind network when nothing listens at the remote", async () => {
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner });
    const parent = await tempDir("ws");

    const error = await catchError(
      factory.checkout({ cloneUrl: "http://127.0.0.1:9/acme/x.git", defaultBranch: "main", dir: join(parent, "t") }),
    );

    expect(error).toMatchObject({ name: "GitRemoteError", kind: "network" });
    expect(classifyError(error)).toMatchObject({ kind: "transient" });
  });

  it("fails with kind not_found when the token may not see a private repository", async () => {
    const info = await sandbox.admin.createRepo({ owner: OWNER, name: `private-${process.pid}-${randomBytes(4).toString("hex")}`, private: true });
    const parent = await tempDir("ws");

    const error = await catchError(
      new NodegitWorkspaceFactory({ token: sandbox.tokens.outsider }).checkout({ cloneUrl: info.clone_url, defaultBranch: "main", dir: join(parent, "t") }),
    );

    expect(error).toMatchObject({ name: "GitRemoteError", kind: "not_found" });
  });

  it("fails with kind network when the server answers 502 during a clone", async () => {
    const repo = await createRepo();
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-upload-pack", status: 502 });
    const parent = await tempDir("ws");

    const error = await catchError(
      new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }).checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "main", dir: join(parent, "t") }),
    );

    expect(error).toMatchObject({ name: "GitRemoteError", kind: "network" });
    expect(classifyError(error)).toMatchObject({ kind: "transient" });
  });

  it("fails with kind network when the connection drops during a push, and the retry succeeds", async () => {
    const repo = await createRepo();
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-drop", "main");
    await writeFile(join(workspace.dir, "d.txt"), "d\n");
    const sha = await workspace.commitAll("d", AUTHOR);
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", drop: true });

    const error = await catchError(workspace.push("agent-task-drop"));

    expect(error).toMatchObject({ name: "GitRemoteError", kind: "network" });
    await workspace.push("agent-task-drop");
    expect((await serverBranches(repo.name)).get("agent-task-drop")).toBe(sha);
  });

  it("throws an AbortError without touching the network when the signal has already fired", async () => {
    const repo = await createRepo();
    const controller = new AbortController();
    controller.abort();
    const parent = await tempDir("ws");

    for (const cacheDir of [undefined, await tempDir("cache")]) {
      const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
      const error = await catchError(
        factory.checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "main", dir: join(parent, "t"), signal: controller.signal }),
      );
      expect(error).toMatchObject({ name: "AbortError" });
    }
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-abort", "main");
    await expect(workspace.push("agent-task-abort", controller.signal)).rejects.toMatchObject({ name: "AbortError" });
    expect((await serverBranches(repo.name)).has("agent-task-abort")).toBe(false);
  });
});

describe("NodegitWorkspaceFactory with a mirror cache", () => {
  it("never writes the token into the working tree, its git config or the cache", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    const workspace = await checkout(factory, repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-secret", "main");
    await writeFile(join(workspace.dir, "s.txt"), "s\n");
    await workspace.commitAll("s", AUTHOR);
    await workspace.push("agent-task-secret");
    const uncached = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);

    for (const dir of [workspace.dir, uncached.dir, cacheDir]) {
      expect(await filesContaining(dir, sandbox.tokens.owner)).toEqual([]);
    }
    expect(await readFile(join(workspace.dir, ".git/config"), "utf8")).toContain(`url = ${repo.cloneUrl}\n`);
    // A mirror, and the pool of working trees cloned from it (the one in use lives there too).
    expect((await readdir(cacheDir)).every((entry) => /^[0-9a-f]{64}\.(?:git|trees)$/.test(entry))).toBe(true);
    expect(workspace.dir.startsWith(cacheDir)).toBe(true);
  });

  it("sees commits and branches someone else pushed since the previous cached checkout", async () => {
    const repo = await createRepo();
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir: await tempDir("cache") });
    const before = await checkout(factory, repo.cloneUrl);
    await before.dispose();

    const mainTip = await pushAsSomeoneElse(repo.cloneUrl, "main", "later.txt");
    const featureTip = await pushAsSomeoneElse(repo.cloneUrl, "agent-task-new", "feature.txt");
    const after = await checkout(factory, repo.cloneUrl);

    expect(after.remoteBranches()).toEqual(new Map([["main", mainTip], ["agent-task-new", featureTip]]));
    expect(await readFile(join(after.dir, "later.txt"), "utf8")).toContain("someone else");
    expect((await git(["rev-parse", "HEAD"], after.dir)).trim()).toBe(mainTip);
  });

  it("forgets branches deleted on the remote since the previous cached checkout", async () => {
    const repo = await createRepo();
    await pushAsSomeoneElse(repo.cloneUrl, "short-lived", "x.txt");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir: await tempDir("cache") });
    expect((await checkout(factory, repo.cloneUrl)).remoteBranches().has("short-lived")).toBe(true);

    await git(["push", "-q", repo.cloneUrl, ":refs/heads/short-lived"]);
    const after = await checkout(factory, repo.cloneUrl);

    expect([...after.remoteBranches().keys()]).toEqual(["main"]);
  });

  it("pushes from a cached checkout to the real remote, not to the mirror", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-cached", "main");
    await writeFile(join(workspace.dir, "c.txt"), "c\n");
    const sha = await workspace.commitAll("c", AUTHOR);
    await workspace.push("agent-task-cached");

    expect((await serverBranches(repo.name)).get("agent-task-cached")).toBe(sha);
  });

  it("serves four concurrent checkouts of one repository from one factory", async () => {
    const repo = await createRepo();
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir: await tempDir("cache") });

    const results = await Promise.all([1, 2, 3, 4].map(() => checkout(factory, repo.cloneUrl)));

    const expected = await serverBranches(repo.name);
    for (const workspace of results) {
      expect(workspace.remoteBranches()).toEqual(expected);
      expect(await readFile(join(workspace.dir, "README.md"), "utf8")).toBe("# hello\n");
    }
  });

  it("serves concurrent checkouts from two factories sharing a cache directory", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factories = [1, 2].map(() => new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir }));

    const results = await Promise.all([0, 1, 0, 1].map((i) => checkout(factories[i]!, repo.cloneUrl)));

    for (const workspace of results) expect(workspace.remoteBranches()).toEqual(await serverBranches(repo.name));
    expect((await readdir(cacheDir)).filter((e) => e.endsWith(".git"))).toHaveLength(1);
    expect((await readdir(cacheDir)).filter((e) => e.endsWith(".lock"))).toEqual([]);
  });

  it("keeps the mirror when a fetch fails on the network, and uses it again afterwards", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const warn = vi.fn();
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir, logger: { debug: () => undefined, warn } });
    await (await checkout(factory, repo.cloneUrl)).dispose();
    const [mirror] = await readdir(cacheDir);
    sandbox.admin.injectFault({ route: "GET /git/{owner}/{repo}.git/info/refs?service=git-upload-pack", status: 503 });

    await expect(checkout(factory, repo.cloneUrl)).rejects.toMatchObject({ name: "GitRemoteError", kind: "network" });

    expect(warn).not.toHaveBeenCalled();
    expect(await readdir(cacheDir)).toEqual([mirror]);
    expect((await checkout(factory, repo.cloneUrl)).remoteBranches().has("main")).toBe(true);
  });

  it("rebuilds a mirror whose object database was deleted", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const warn = vi.fn();
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir, logger: { debug: () => undefined, warn } });
    await (await checkout(factory, repo.cloneUrl)).dispose();
    const [mirror] = await readdir(cacheDir);
    await rm(join(cacheDir, mirror!, "objects"), { recursive: true });

    const workspace = await checkout(factory, repo.cloneUrl);

    expect(await readFile(join(workspace.dir, "README.md"), "utf8")).toBe("# hello\n");
    expect(warn).toHaveBeenCalledWith(expect.anything(), expect.stringContaining("rebuilding"));
  });

  it("rebuilds a mirror whose pack files were truncated", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const warn = vi.fn();
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir, logger: { debug: () => undefined, warn } });
    await (await checkout(factory, repo.cloneUrl)).dispose();
    const [mirror] = await readdir(cacheDir);
    const packDir = join(cacheDir, mirror!, "objects", "pack");
    for (const file of await readdir(packDir)) await truncate(join(packDir, file), 10);

    const workspace = await checkout(factory, repo.cloneUrl);

    expect(await readFile(join(workspace.dir, "README.md"), "utf8")).toBe("# hello\n");
    expect(workspace.remoteBranches()).toEqual(await serverBranches(repo.name));
    expect(warn).toHaveBeenCalledWith(expect.anything(), expect.stringContaining("rebuilding"));
  });

  it("rebuilds a mirror whose file contents are damaged although its history reads fine", async () => {
    const big = randomBytes(300_000).toString("base64");
    const repo = await createRepo({ "README.md": "# hello\n", "big.txt": big });
    const cacheDir = await tempDir("cache");
    const warn = vi.fn();
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir, logger: { debug: () => undefined, warn } });
    await (await checkout(factory, repo.cloneUrl)).dispose();
    const [mirror] = await readdir(cacheDir);
    const packDir = join(cacheDir, mirror!, "objects", "pack");
    const pack = join(packDir, (await readdir(packDir)).find((f) => f.endsWith(".pack"))!);
    const bytes = await readFile(pack);
    // The large blob fills most of the pack: its middle is blob data, not commits or trees.
    bytes.fill(0, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 1000);
    await writeFile(pack, bytes);

    const workspace = await checkout(factory, repo.cloneUrl);

    expect(await readFile(join(workspace.dir, "big.txt"), "utf8")).toBe(big);
    expect(warn).toHaveBeenCalledWith(expect.anything(), expect.stringContaining("rebuilding"));
  });

  it("repacks a mirror that many fetches have split into dozens of packs", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    await (await checkout(factory, repo.cloneUrl)).dispose();
    const [mirror] = await readdir(cacheDir);
    const packDir = join(cacheDir, mirror!, "objects", "pack");
    const pack = (await readdir(packDir)).find((f) => f.endsWith(".pack"))!.replace(/\.pack$/, "");
    // Duplicate packs stand in for the one-pack-per-fetch that libgit2 leaves behind.
    for (let i = 0; i < 40; i++) {
      const copy = `pack-${i.toString(16).padStart(40, "0")}`;
      for (const ext of [".pack", ".idx"]) await copyFile(join(packDir, pack + ext), join(packDir, copy + ext));
    }
    const mainTip = await pushAsSomeoneElse(repo.cloneUrl, "main", "new.txt");

    const workspace = await checkout(factory, repo.cloneUrl);

    expect((await readdir(packDir)).filter((f) => f.endsWith(".pack"))).toHaveLength(1);
    expect(workspace.remoteBranches().get("main")).toBe(mainTip);
    expect(await readFile(join(workspace.dir, "new.txt"), "utf8")).toContain("someone else");
  });

  it("takes over the lock of a worker process that died while holding it", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    await (await checkout(factory, repo.cloneUrl)).dispose();
    const [mirror] = await readdir(cacheDir);
    const lockDir = join(cacheDir, mirror!.replace(/\.git$/, ".lock"));
    const deadPid = await pidOfExitedProcess();
    await mkdir(lockDir);
    await writeFile(join(lockDir, "owner.json"), JSON.stringify({ token: "dead", pid: deadPid, host: hostname() }));

    const workspace = await checkout(factory, repo.cloneUrl);

    expect(workspace.remoteBranches().has("main")).toBe(true);
  });

  it("gives up waiting for a mirror another live process holds when the signal fires", async () => {
    const repo = await createRepo();
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
    await (await checkout(factory, repo.cloneUrl)).dispose();
    const [mirror] = await readdir(cacheDir);
    const lockDir = join(cacheDir, mirror!.replace(/\.git$/, ".lock"));
    await mkdir(lockDir);
    await writeFile(join(lockDir, "owner.json"), JSON.stringify({ token: "busy", pid: process.pid, host: hostname() }));
    const parent = await tempDir("ws");

    const started = Date.now();
    const error = await catchError(
      factory.checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "main", dir: join(parent, "t"), signal: AbortSignal.timeout(200) }),
    );

    expect(error).toMatchObject({ name: "AbortError" });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await readdir(lockDir)).toEqual(["owner.json"]);
    await expect(readdir(join(parent, "t"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("evicts the least recently used mirrors beyond maxCacheBytes but never the one just used", async () => {
    const [a, b] = [await createRepo(), await createRepo()];
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir, maxCacheBytes: 1 });

    await checkout(factory, a.cloneUrl);
    expect((await readdir(cacheDir)).filter((e) => e.endsWith(".git"))).toHaveLength(1);
    await checkout(factory, b.cloneUrl);

    const mirrors = (await readdir(cacheDir)).filter((e) => e.endsWith(".git"));
    expect(mirrors).toHaveLength(1);
    expect(await filesContaining(join(cacheDir, mirrors[0]!), b.name)).not.toEqual([]);
  });

  it("evicts mirrors unused for longer than maxCacheAgeMs", async () => {
    const [a, b] = [await createRepo(), await createRepo()];
    const cacheDir = await tempDir("cache");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir, maxCacheAgeMs: 60_000 });
    await checkout(factory, a.cloneUrl);
    const [mirrorA] = (await readdir(cacheDir)).filter((e) => e.endsWith(".git"));
    const longAgo = new Date(Date.now() - 120_000);
    await utimes(join(cacheDir, mirrorA!, "agent-runner-cache.json"), longAgo, longAgo);

    await checkout(factory, b.cloneUrl);

    expect(await readdir(cacheDir)).not.toContain(mirrorA);
    expect((await readdir(cacheDir)).filter((e) => e.endsWith(".git"))).toHaveLength(1);
  });
});

async function pidOfExitedProcess(): Promise<number> {
  const child = (await import("node:child_process")).spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}
