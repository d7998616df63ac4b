import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generateRepo } from "./generate-repo.js";
import { git } from "./git-cli.js";

describe("the generated repository", () => {
  let dir: string | undefined;

  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("has the requested commits and files, with later commits rewriting a block of a file", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "bench-history-"));
    const repo = await generateRepo(dir, { commits: 12, files: 7, fileBytes: 2_000, changeBytes: 300, filesPerCommit: 2 });
    expect(repo).toMatchObject({ commits: 12, files: 7 });
    expect(repo.packBytes).toBeGreaterThan(0);
    const stat = (await git(["show", "--numstat", "--format=", "main"], { cwd: repo.gitDir })).stdout.trim().split("\n");
    expect(stat.length).toBeGreaterThanOrEqual(1);
    expect(stat[0]).toMatch(/^4\t4\tsrc\/module-000\/file-0000\d\.txt$/);
  });

  it("is the same repository for the same spec", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "bench-history-"));
    const spec = { commits: 3, files: 2, fileBytes: 500, changeBytes: 100, filesPerCommit: 1 };
    const a = await generateRepo(path.join(dir), spec);
    const headA = (await git(["rev-parse", "main"], { cwd: a.gitDir })).stdout;
    await rm(a.gitDir, { recursive: true });
    const b = await generateRepo(path.join(dir), spec);
    expect((await git(["rev-parse", "main"], { cwd: b.gitDir })).stdout).toBe(headA);
  });
});
