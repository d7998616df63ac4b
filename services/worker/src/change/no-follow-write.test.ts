import { execFile } from "node:child_process";
import { link, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ChangeFailedError } from "@agent-runner/core";
import { afterEach, describe, expect, it } from "vitest";
import { removeTreeFile, writeTreeFile } from "./no-follow-write.js";
import { changeTask } from "./test-support/change-task.js";
import { TempDirs } from "./test-support/temp-dirs.js";
import { writePlannedFiles } from "./write-planned-files.js";
import { writeTraceFile } from "./trace-file.js";

const run = promisify(execFile);
const temp = new TempDirs();
afterEach(() => temp.removeAll());

const TASK = changeTask();
const SECTION = { handler: "trace", outcome: "trace file written" };

/** A working tree and, beside it, a directory the attack aims at, holding one file. */
async function treeAndOutside(): Promise<{ tree: string; outside: string; victim: string }> {
  const tree = await temp.make("tree-");
  const outside = await temp.make("outside-");
  const victim = path.join(outside, "victim.md");
  await writeFile(victim, "precious\n");
  return { tree, outside, victim };
}

/** Every entry below `dir` with its bytes (or link target), to show nothing there changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const key = path.relative(dir, file);
    if (entry.isSymbolicLink()) out[key] = `-> ${await readlink(file)}`;
    else if (entry.isFile()) out[key] = await readFile(file, "utf8");
    else out[key] = "<dir>";
  }
  return out;
}

async function refusal(promise: Promise<unknown>): Promise<ChangeFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChangeFailedError);
  return error as ChangeFailedError;
}

describe("writeTreeFile", () => {
  it("creates the missing directories one by one and writes the file", async () => {
    const tree = await temp.make("tree-");

    await writeTreeFile(tree, "a/b/c.txt", { content: "hello\n" });

    expect(await readFile(path.join(tree, "a/b/c.txt"), "utf8")).toBe("hello\n");
    expect((await lstat(path.join(tree, "a/b"))).isDirectory()).toBe(true);
  });

  it("replaces the content of an existing regular file, leaving no old bytes behind", async () => {
    const tree = await temp.make("tree-");
    await writeFile(path.join(tree, "notes.md"), "a much longer old content\n");

    await writeTreeFile(tree, "notes.md", { content: "new\n" });

    expect(await readFile(path.join(tree, "notes.md"), "utf8")).toBe("new\n");
  });

  it("sets and clears the executable bit when asked", async () => {
    const tree = await temp.make("tree-");

    await writeTreeFile(tree, "run.sh", { content: "#!/bin/sh\n", executable: true });
    const executable = (await stat(path.join(tree, "run.sh"))).mode & 0o777;
    await writeTreeFile(tree, "run.sh", { content: "#!/bin/sh\n", executable: false });

    expect(executable).toBe(0o755);
    expect((await stat(path.join(tree, "run.sh"))).mode & 0o777).toBe(0o644);
  });

  it("refuses a directory on the path that is a regular file", async () => {
    const tree = await temp.make("tree-");
    await writeFile(path.join(tree, "a"), "file\n");

    const error = await refusal(writeTreeFile(tree, "a/b.txt", { content: "x" }));

    expect(error.userMessage).toMatch(/`a` is not a directory/);
    expect(await readFile(path.join(tree, "a"), "utf8")).toBe("file\n");
  });

  it("refuses a file that has a second hard link outside the tree, leaving the outside file as it was", async () => {
    const { tree, victim } = await treeAndOutside();
    await link(victim, path.join(tree, "notes.md"));

    const error = await refusal(writeTreeFile(tree, "notes.md", { content: "overwritten\n" }));

    expect(error.userMessage).toMatch(/hard links/);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
  });

  it("refuses a named pipe at the path instead of blocking on it", async () => {
    const tree = await temp.make("tree-");
    await run("mkfifo", [path.join(tree, "pipe")]);

    const error = await refusal(writeTreeFile(tree, "pipe", { content: "x" }));

    expect(error.userMessage).toMatch(/`pipe` is not a regular file/);
  });

  it.each(["../escape.txt", "a/../../escape.txt", "/etc/passwd", "a//b", "./a"])("refuses the unclean path %s", async (relative) => {
    const tree = await temp.make("tree-");

    await refusal(writeTreeFile(tree, relative, { content: "x" }));

    expect(await readdir(tree)).toEqual([]);
  });
});

describe("writeTraceFile through links the repository committed", () => {
  it("refuses a trace directory that links to a directory outside the tree, which stays untouched", async () => {
    const { tree, outside } = await treeAndOutside();
    await symlink(outside, path.join(tree, "agent-tasks"));
    const before = await snapshot(outside);

    const error = await refusal(writeTraceFile(tree, TASK, SECTION));

    expect(error.userMessage).toMatch(/`agent-tasks` is a symbolic link/);
    expect(await snapshot(outside)).toEqual(before);
  });

  it("refuses a trace file that links to a file outside the tree, whose content stays as it was", async () => {
    const { tree, outside, victim } = await treeAndOutside();
    await mkdir(path.join(tree, "agent-tasks"));
    await symlink(victim, path.join(tree, TASK.traceFilePath));
    const before = await snapshot(outside);

    const error = await refusal(writeTraceFile(tree, TASK, SECTION));

    expect(error.userMessage).toContain(`\`${TASK.traceFilePath}\` is a symbolic link`);
    expect(await snapshot(outside)).toEqual(before);
  });

  it("refuses a dangling trace file link, without creating its target", async () => {
    const { tree, outside } = await treeAndOutside();
    await mkdir(path.join(tree, "agent-tasks"));
    const target = path.join(outside, "created-by-the-worker.md");
    await symlink(target, path.join(tree, TASK.traceFilePath));
    const before = await snapshot(outside);

    await refusal(writeTraceFile(tree, TASK, SECTION));

    await expect(lstat(target)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await snapshot(outside)).toEqual(before);
  });

  it("refuses a dangling trace directory link, without creating the directory it names", async () => {
    const { tree, outside } = await treeAndOutside();
    const target = path.join(outside, "made-by-the-worker");
    await symlink(target, path.join(tree, "agent-tasks"));

    await refusal(writeTraceFile(tree, TASK, SECTION));

    await expect(lstat(target)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a trace directory that links to a directory inside the tree, which stays untouched", async () => {
    const tree = await temp.make("tree-");
    await mkdir(path.join(tree, "docs"));
    await writeFile(path.join(tree, "docs", "keep.md"), "keep\n");
    await symlink(path.join(tree, "docs"), path.join(tree, "agent-tasks"));
    const before = await snapshot(path.join(tree, "docs"));

    const error = await refusal(writeTraceFile(tree, TASK, SECTION));

    expect(error.userMessage).toMatch(/`agent-tasks` is a symbolic link/);
    expect(await snapshot(path.join(tree, "docs"))).toEqual(before);
  });

  it("writes the trace file when nothing is in the way", async () => {
    const tree = await temp.make("tree-");

    await writeTraceFile(tree, TASK, SECTION);

    expect(await readFile(path.join(tree, TASK.traceFilePath), "utf8")).toContain(`# Agent task ${TASK.taskId}`);
  });
});

describe("writePlannedFiles through links", () => {
  it("refuses a new file below a deeper directory that links outside the tree, which stays untouched", async () => {
    const { tree, outside } = await treeAndOutside();
    await mkdir(path.join(tree, "src", "lib"), { recursive: true });
    await symlink(outside, path.join(tree, "src", "lib", "vendor"));
    const before = await snapshot(outside);

    const error = await refusal(
      writePlannedFiles(tree, [{ path: "src/lib/vendor/new/deep.txt", content: Buffer.from("evil\n"), executable: false }]),
    );

    expect(error.userMessage).toMatch(/`src\/lib\/vendor` is a symbolic link/);
    expect(await snapshot(outside)).toEqual(before);
  });

  it("refuses to delete a file through a directory link, and the outside file survives", async () => {
    const { tree, outside, victim } = await treeAndOutside();
    await symlink(outside, path.join(tree, "docs"));

    await refusal(writePlannedFiles(tree, [{ path: "docs/victim.md", content: null, executable: undefined }]));

    expect(await readFile(victim, "utf8")).toBe("precious\n");
  });

  it("refuses to delete a file that is itself a link, leaving the link and its target", async () => {
    const { tree, victim } = await treeAndOutside();
    await symlink(victim, path.join(tree, "link.md"));

    await refusal(removeTreeFile(tree, "link.md"));

    expect(await readlink(path.join(tree, "link.md"))).toBe(victim);
    expect(await readFile(victim, "utf8")).toBe("precious\n");
  });

  it("writes new files, rewrites modified ones and deletes removed ones", async () => {
    const tree = await temp.make("tree-");
    await writeFile(path.join(tree, "old.txt"), "old\n");
    await writeFile(path.join(tree, "gone.txt"), "gone\n");

    await writePlannedFiles(tree, [
      { path: "gone.txt", content: null, executable: undefined },
      { path: "new/dir/file.txt", content: Buffer.from("new\n"), executable: false },
      { path: "old.txt", content: Buffer.from("changed\n"), executable: undefined },
    ]);

    expect((await readdir(tree)).sort()).toEqual(["new", "old.txt"]);
    expect(await readFile(path.join(tree, "new/dir/file.txt"), "utf8")).toBe("new\n");
    expect(await readFile(path.join(tree, "old.txt"), "utf8")).toBe("changed\n");
  });
});
