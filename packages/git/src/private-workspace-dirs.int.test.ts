import { chmod, chown, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "@agent-runner/github-sandbox";
import { NodegitWorkspaceFactory } from "./nodegit-workspace-factory.js";
import { useGitTestFixture } from "./test-support/git-test-fixture.js";

const { fixture, tempDir, createRepo } = useGitTestFixture("private-dirs");
let sandbox: Sandbox;

beforeAll(() => {
  sandbox = fixture.sandbox;
});

async function mode(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

/** A workspace root as an older worker left it: everything readable by everyone. */
async function looseWorkspace(): Promise<string> {
  const root = join(await tempDir("workspace"), "ws");
  for (const dir of [root, join(root, "mirrors"), join(root, "jobs")]) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
  }
  return root;
}

describe("the workspace directory", () => {
  it("is tightened to 0700 with its mirrors, the mirror and every pooled tree in it", async () => {
    const repo = await createRepo();
    const root = await looseWorkspace();
    const cacheDir = join(root, "mirrors");
    const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, workspaceDir: root, cacheDir });
    expect([await mode(root), await mode(cacheDir)]).toEqual(["700", "700"]);

    const workspace = fixture.track(await factory.checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "main", dir: join(root, "jobs", "t") }));

    const entries = await readdir(cacheDir);
    const mirror = join(cacheDir, entries.find((e) => e.endsWith(".git"))!);
    const trees = join(cacheDir, entries.find((e) => e.endsWith(".trees"))!);
    expect(workspace.dir.startsWith(trees)).toBe(true);
    expect([await mode(mirror), await mode(trees), await mode(workspace.dir)]).toEqual(["700", "700", "700"]);
  });

  it("keeps job directories of unpooled checkouts, and the directories above them, at 0700", async () => {
    const repo = await createRepo();
    const root = await looseWorkspace();
    for (const cacheDir of [undefined, join(root, "mirrors")]) {
      const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, workspaceDir: root, cacheDir, maxIdleTreesPerRepo: 0 });
      const dir = join(root, "jobs", `task-${cacheDir === undefined ? "direct" : "cached"}`, "tree");

      const workspace = fixture.track(await factory.checkout({ cloneUrl: repo.cloneUrl, defaultBranch: "main", dir }));

      expect(workspace.dir).toBe(dir);
      expect([await mode(join(root, "jobs")), await mode(join(dir, "..")), await mode(dir)]).toEqual(["700", "700", "700"]);
    }
  });

  it("is refused when it belongs to another user", async () => {
    // As root, hand a directory to "nobody"; as anyone else, "/" already belongs to root.
    let foreign = "/";
    if (process.getuid?.() === 0) {
      foreign = join(await tempDir("foreign"), "ws");
      await mkdir(foreign);
      await chown(foreign, 65534, 65534);
    }

    expect(() => new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, workspaceDir: foreign })).toThrow(/belongs to uid/);
    expect(await mode(foreign)).not.toBe("700");
  });
});
