import { lstat, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { ChangeFailedError } from "@agent-runner/core";
import { afterEach, describe, expect, it } from "vitest";
import { PatchTaskHandler } from "./patch-task-handler.js";
import { changeTask } from "./test-support/change-task.js";
import { fenced, lines, readTree, TempDirs, writeTree } from "./test-support/temp-dirs.js";

const temp = new TempDirs();
afterEach(() => temp.removeAll());

const TRACE = changeTask().traceFilePath;
const numbers = (...replace: [number, string][]): string =>
  Array.from({ length: 10 }, (_, i) => new Map(replace).get(i + 1) ?? `line${i + 1}`)
    .map((line) => `${line}\n`)
    .join("");

const notesDiff = lines(
  "diff --git a/docs/notes.md b/docs/notes.md",
  "index 85c3040..e50310a 100644",
  "--- a/docs/notes.md",
  "+++ b/docs/notes.md",
  "@@ -1,3 +1,3 @@",
  " alpha",
  "-beta",
  "+BETA",
  " gamma",
);
const numbersDiff = lines(
  "diff --git a/src/numbers.txt b/src/numbers.txt",
  "index 4083766..e38a6f2 100644",
  "--- a/src/numbers.txt",
  "+++ b/src/numbers.txt",
  "@@ -2,7 +2,7 @@ line1",
  " line2",
  " line3",
  " line4",
  "-line5",
  "+line five",
  " line6",
  " line7",
  " line8",
);
const freshDiff = lines(
  "diff --git a/fresh.txt b/fresh.txt",
  "new file mode 100644",
  "index 0000000..5786b13",
  "--- /dev/null",
  "+++ b/fresh.txt",
  "@@ -0,0 +1,2 @@",
  "+brand",
  "+new",
);
const goneDiff = lines(
  "diff --git a/gone.txt b/gone.txt",
  "deleted file mode 100644",
  "index c5e08f7..0000000",
  "--- a/gone.txt",
  "+++ /dev/null",
  "@@ -1,2 +0,0 @@",
  "-old",
  "-content",
);
const pureRenameDiff = lines(
  "diff --git a/old-name.txt b/new-name.txt",
  "similarity index 100%",
  "rename from old-name.txt",
  "rename to new-name.txt",
);
const editingRenameDiff = lines(
  "diff --git a/move-me.txt b/moved.txt",
  "similarity index 68%",
  "rename from move-me.txt",
  "rename to moved.txt",
  "index f384549..dd35c86 100644",
  "--- a/move-me.txt",
  "+++ b/moved.txt",
  "@@ -1,4 +1,4 @@",
  " one",
  " two",
  "-three",
  "+3",
  " four",
);
const noNewlineDiff = lines(
  "diff --git a/tail.txt b/tail.txt",
  "--- a/tail.txt",
  "+++ b/tail.txt",
  "@@ -1 +1 @@",
  "-no newline",
  "\\ No newline at end of file",
  "+no newline, edited",
  "\\ No newline at end of file",
);
const base = {
  "src/numbers.txt": numbers(),
  "docs/notes.md": "alpha\nbeta\ngamma\n",
  "gone.txt": "old\ncontent\n",
  "old-name.txt": "keep\nme\nsame\n",
  "move-me.txt": "one\ntwo\nthree\nfour\n",
  "tail.txt": "no newline",
};

interface AppliedCase {
  readonly name: string;
  readonly files: Readonly<Record<string, string>>;
  readonly instruction: string;
  /** The whole tree afterwards, trace file aside. */
  readonly expected: Readonly<Record<string, string>>;
  readonly summary: string;
}

const applied: AppliedCase[] = [
  {
    name: "modifies a file",
    files: base,
    instruction: fenced(notesDiff),
    expected: { ...base, "docs/notes.md": "alpha\nBETA\ngamma\n" },
    summary: "Applied 1 file change: `docs/notes.md` (modified).",
  },
  {
    name: "applies several files from one block",
    files: base,
    instruction: fenced(lines(notesDiff, numbersDiff)),
    expected: { ...base, "docs/notes.md": "alpha\nBETA\ngamma\n", "src/numbers.txt": numbers([5, "line five"]) },
    summary: "Applied 2 file changes: `docs/notes.md` (modified), `src/numbers.txt` (modified).",
  },
  {
    name: "applies several blocks, diff and patch alike, with prose between them",
    files: base,
    instruction: lines("First:", fenced(notesDiff), "", "Then:", fenced(numbersDiff, "patch"), "", "And:", fenced(freshDiff, "Diff")),
    expected: {
      ...base,
      "docs/notes.md": "alpha\nBETA\ngamma\n",
      "src/numbers.txt": numbers([5, "line five"]),
      "fresh.txt": "brand\nnew\n",
    },
    summary: "Applied 3 file changes: `docs/notes.md` (modified), `src/numbers.txt` (modified), `fresh.txt` (new).",
  },
  {
    name: "creates a new file",
    files: base,
    instruction: fenced(freshDiff),
    expected: { ...base, "fresh.txt": "brand\nnew\n" },
    summary: "Applied 1 file change: `fresh.txt` (new).",
  },
  {
    name: "creates a new file in a new directory from a plain diff",
    files: base,
    instruction: fenced(lines("--- /dev/null", "+++ b/deep/er/file.txt", "@@ -0,0 +1 @@", "+hello")),
    expected: { ...base, "deep/er/file.txt": "hello\n" },
    summary: "Applied 1 file change: `deep/er/file.txt` (new).",
  },
  {
    name: "creates an empty file from a header-only patch",
    files: base,
    instruction: fenced(lines("diff --git a/empty.txt b/empty.txt", "new file mode 100644", "index 0000000..e69de29")),
    expected: { ...base, "empty.txt": "" },
    summary: "Applied 1 file change: `empty.txt` (new).",
  },
  {
    name: "deletes a file",
    files: base,
    instruction: fenced(goneDiff),
    expected: Object.fromEntries(Object.entries(base).filter(([p]) => p !== "gone.txt")),
    summary: "Applied 1 file change: `gone.txt` (deleted).",
  },
  {
    name: "renames a file without changing it",
    files: base,
    instruction: fenced(pureRenameDiff),
    expected: { ...without(base, "old-name.txt"), "new-name.txt": "keep\nme\nsame\n" },
    summary: "Applied 1 file change: `old-name.txt` → `new-name.txt` (renamed).",
  },
  {
    name: "renames a file and changes its content",
    files: base,
    instruction: fenced(editingRenameDiff),
    expected: { ...without(base, "move-me.txt"), "moved.txt": "one\ntwo\n3\nfour\n" },
    summary: "Applied 1 file change: `move-me.txt` → `moved.txt` (renamed).",
  },
  {
    name: "finds a hunk whose file has moved down by some lines",
    files: { ...base, "src/numbers.txt": `header a\nheader b\nheader c\n${numbers()}` },
    instruction: fenced(numbersDiff),
    expected: { ...base, "src/numbers.txt": `header a\nheader b\nheader c\n${numbers([5, "line five"])}` },
    summary: "Applied 1 file change: `src/numbers.txt` (modified).",
  },
  {
    name: "finds a hunk whose file has moved up by some lines",
    files: { ...base, "src/numbers.txt": numbers().split("\n").slice(1).join("\n") },
    instruction: fenced(numbersDiff.replace("@@ -2,7 +2,7 @@ line1", "@@ -4,7 +4,7 @@ line1")),
    expected: { ...base, "src/numbers.txt": numbers([5, "line five"]).split("\n").slice(1).join("\n") },
    summary: "Applied 1 file change: `src/numbers.txt` (modified).",
  },
  {
    name: "keeps the CRLF line endings of a CRLF file when LF context matches it",
    files: { ...base, "docs/notes.md": "alpha\r\nbeta\r\ngamma\r\n" },
    instruction: fenced(lines("--- a/docs/notes.md", "+++ b/docs/notes.md", "@@ -1,3 +1,4 @@", " alpha", "-beta", "+BETA", "+delta", " gamma")),
    expected: { ...base, "docs/notes.md": "alpha\r\nBETA\r\ndelta\r\ngamma\r\n" },
    summary: "Applied 1 file change: `docs/notes.md` (modified).",
  },
  {
    name: "edits a last line that has no newline",
    files: base,
    instruction: fenced(noNewlineDiff),
    expected: { ...base, "tail.txt": "no newline, edited" },
    summary: "Applied 1 file change: `tail.txt` (modified).",
  },
  {
    name: "adds the missing newline at the end of a file",
    files: base,
    instruction: fenced(lines("--- a/tail.txt", "+++ b/tail.txt", "@@ -1 +1 @@", "-no newline", "\\ No newline at end of file", "+no newline")),
    expected: { ...base, "tail.txt": "no newline\n" },
    summary: "Applied 1 file change: `tail.txt` (modified).",
  },
  {
    name: "applies two hunks to one file",
    files: base,
    instruction: fenced(
      lines("--- a/src/numbers.txt", "+++ b/src/numbers.txt", "@@ -1,2 +1,2 @@", "-line1", "+LINE1", " line2", "@@ -9,2 +9,2 @@", " line9", "-line10", "+LINE10"),
    ),
    expected: { ...base, "src/numbers.txt": numbers([1, "LINE1"], [10, "LINE10"]) },
    summary: "Applied 1 file change: `src/numbers.txt` (modified).",
  },
  {
    name: "applies hunks without context (diff -U0) at their line numbers",
    files: { ...base, "list.txt": "x\nx\nx\nx\n" },
    instruction: fenced(lines("--- a/list.txt", "+++ b/list.txt", "@@ -1,0 +2 @@", "+y", "@@ -3 +3,0 @@", "-x")),
    expected: { ...base, "list.txt": "x\ny\nx\nx\n" },
    summary: "Applied 1 file change: `list.txt` (modified).",
  },
  {
    name: "reads a blank context line whose leading space was trimmed",
    files: { ...base, "docs/notes.md": "alpha\n\ngamma\n" },
    instruction: fenced(lines("--- a/docs/notes.md", "+++ b/docs/notes.md", "@@ -1,3 +1,3 @@", " alpha", "", "-gamma", "+GAMMA")),
    expected: { ...base, "docs/notes.md": "alpha\n\nGAMMA\n" },
    summary: "Applied 1 file change: `docs/notes.md` (modified).",
  },
  {
    name: "reads a path with spaces from the diff --git line",
    files: { ...base, "my notes.txt": "a\n" },
    instruction: fenced(lines("diff --git a/my notes.txt b/my notes.txt", "--- a/my notes.txt", "+++ b/my notes.txt", "@@ -1 +1 @@", "-a", "+b")),
    expected: { ...base, "my notes.txt": "b\n" },
    summary: "Applied 1 file change: `my notes.txt` (modified).",
  },
  {
    name: "reads a C-quoted path",
    files: { ...base, "täst.txt": "a\n" },
    instruction: fenced(
      lines('diff --git "a/t\\303\\244st.txt" "b/t\\303\\244st.txt"', '--- "a/t\\303\\244st.txt"', '+++ "b/t\\303\\244st.txt"', "@@ -1 +1 @@", "-a", "+b"),
    ),
    expected: { ...base, "täst.txt": "b\n" },
    summary: "Applied 1 file change: `täst.txt` (modified).",
  },
  {
    name: "ignores code blocks in other languages and prose that looks like a diff",
    files: base,
    instruction: lines(
      "--- a/docs/notes.md",
      "+++ b/docs/notes.md",
      fenced(lines("--- a/gone.txt", "+++ b/gone.txt", "@@ -1 +1 @@", "-old", "+new"), "ts"),
      fenced(notesDiff),
    ),
    expected: { ...base, "docs/notes.md": "alpha\nBETA\ngamma\n" },
    summary: "Applied 1 file change: `docs/notes.md` (modified).",
  },
  {
    name: "skips a commit message before the diff, as git does",
    files: base,
    instruction: fenced(lines("From 1234 Mon Sep 17 00:00:00 2001", "Subject: [PATCH] shout", "", "---", " docs/notes.md | 2 +-", "", notesDiff)),
    expected: { ...base, "docs/notes.md": "alpha\nBETA\ngamma\n" },
    summary: "Applied 1 file change: `docs/notes.md` (modified).",
  },
  {
    name: "applies every kind of change together",
    files: base,
    instruction: fenced(lines(notesDiff, freshDiff, goneDiff, editingRenameDiff, pureRenameDiff, numbersDiff, noNewlineDiff)),
    expected: {
      ...without(base, "gone.txt", "move-me.txt", "old-name.txt"),
      "docs/notes.md": "alpha\nBETA\ngamma\n",
      "fresh.txt": "brand\nnew\n",
      "moved.txt": "one\ntwo\n3\nfour\n",
      "new-name.txt": "keep\nme\nsame\n",
      "src/numbers.txt": numbers([5, "line five"]),
      "tail.txt": "no newline, edited",
    },
    summary:
      "Applied 7 file changes: `docs/notes.md` (modified), `fresh.txt` (new), `gone.txt` (deleted), `move-me.txt` → `moved.txt` (renamed), `old-name.txt` → `new-name.txt` (renamed), `src/numbers.txt` (modified), `tail.txt` (modified).",
  },
];

interface RefusedCase {
  readonly name: string;
  readonly files: Readonly<Record<string, string>>;
  readonly instruction: string;
  /** What the comment on the dispatch issue must say. */
  readonly message: RegExp;
}

const refused: RefusedCase[] = [
  {
    name: "an instruction without any diff block",
    files: base,
    instruction: "Please make the notes louder.",
    message: /no ```diff block found/,
  },
  {
    name: "an instruction whose only code block is not a diff",
    files: base,
    instruction: fenced("console.log('hi')", "js"),
    message: /no ```diff block found/,
  },
  {
    name: "a diff block that holds no file patch",
    files: base,
    instruction: fenced(lines("- removed idea", "+ added idea")),
    message: /contain no file patch/,
  },
  {
    name: "a path that climbs out of the tree with ..",
    files: base,
    instruction: fenced(lines("--- a/../x", "+++ b/../x", "@@ -0,0 +1 @@", "+pwned")),
    message: /`\.\.\/x`.*refused.*`\.\.` segment/,
  },
  {
    name: "an absolute path in a plain diff",
    files: base,
    instruction: fenced(lines("--- /etc/passwd", "+++ /etc/passwd", "@@ -1 +1 @@", "-root", "+pwned")),
    message: /`\/etc\/passwd`.*refused.*absolute/,
  },
  {
    name: "an absolute path in a git diff",
    files: base,
    instruction: fenced(lines("diff --git a//etc/passwd b//etc/passwd", "new file mode 100644", "--- /dev/null", "+++ b//etc/passwd", "@@ -0,0 +1 @@", "+x")),
    message: /refused.*absolute/,
  },
  {
    name: "a path into .git",
    files: base,
    instruction: fenced(lines("diff --git a/.git/config b/.git/config", "--- a/.git/config", "+++ b/.git/config", "@@ -1 +1 @@", "-a", "+b")),
    message: /`\.git\/config`.*refused.*inside `\.git`/,
  },
  {
    name: "a path into a nested .GIT directory, whatever its case",
    files: base,
    instruction: fenced(lines("--- /dev/null", "+++ b/vendor/.GIT/hooks/pre-commit", "@@ -0,0 +1 @@", "+evil")),
    message: /inside `\.git`/,
  },
  {
    name: "a rename into .git",
    files: base,
    instruction: fenced(lines("diff --git a/old-name.txt b/.git/hooks/post-checkout", "rename from old-name.txt", "rename to .git/hooks/post-checkout")),
    message: /inside `\.git`/,
  },
  {
    name: "a hunk whose context is not in the file",
    files: { ...base, "docs/notes.md": "alpha\nbeta changed upstream\ngamma\n" },
    instruction: fenced(notesDiff),
    message: /`docs\/notes\.md` \(diff block 1\) does not apply: hunk 1 of 1 `@@ -1,3 \+1,3 @@` does not match[\s\S]*```diff\n@@ -1,3 \+1,3 @@\n alpha\n-beta\n\+BETA\n gamma\n```/,
  },
  {
    name: "a patch whose first file applies but whose second does not",
    files: { ...base, "src/numbers.txt": numbers([6, "line 6 was changed"]) },
    instruction: lines(fenced(notesDiff), fenced(lines(freshDiff, numbersDiff))),
    message: /`src\/numbers\.txt` \(diff block 2\) does not apply: hunk 1 of 1 `@@ -2,7 \+2,7 @@ line1`/,
  },
  {
    name: "a second hunk that does not match while the first does",
    files: base,
    instruction: fenced(lines("--- a/src/numbers.txt", "+++ b/src/numbers.txt", "@@ -1,2 +1,2 @@", "-line1", "+LINE1", " line2", "@@ -9,2 +9,2 @@", " line9", "-line11", "+LINE11")),
    message: /hunk 2 of 2 `@@ -9,2 \+9,2 @@`/,
  },
  {
    name: "a modification of a file that does not exist",
    files: without(base, "docs/notes.md"),
    instruction: fenced(notesDiff),
    message: /`docs\/notes\.md`.*the file does not exist/,
  },
  {
    name: "a new file where a different file already exists",
    files: { ...base, "fresh.txt": "something else\n" },
    instruction: fenced(freshDiff),
    message: /`fresh\.txt`.*a different file already exists/,
  },
  {
    name: "a deletion that would leave lines behind",
    files: { ...base, "gone.txt": "old\ncontent\nand more\n" },
    instruction: fenced(goneDiff),
    message: /`gone\.txt`.*does not apply/,
  },
  {
    name: "a rename onto an existing file",
    files: { ...base, "new-name.txt": "occupied\n" },
    instruction: fenced(pureRenameDiff),
    message: /`new-name\.txt` already exists/,
  },
  {
    name: "a hunk that is shorter than its header says",
    files: base,
    instruction: fenced(lines("--- a/docs/notes.md", "+++ b/docs/notes.md", "@@ -1,3 +1,3 @@", " alpha", "-beta", "+BETA")),
    message: /`@@ -1,3 \+1,3 @@` ends early/,
  },
  {
    name: "a binary patch",
    files: base,
    instruction: fenced(lines("diff --git a/logo.png b/logo.png", "new file mode 100644", "index 0000000..1111111", "GIT binary patch", "literal 3", "Kcmd;L0000")),
    message: /binary patches are not supported/,
  },
  {
    name: "a symlink patch",
    files: base,
    instruction: fenced(lines("diff --git a/link b/link", "new file mode 120000", "--- /dev/null", "+++ b/link", "@@ -0,0 +1 @@", "+/etc/passwd", "\\ No newline at end of file")),
    message: /symbolic links are not supported/,
  },
  {
    name: "a hunk before any file header",
    files: base,
    instruction: fenced(lines("@@ -1,3 +1,3 @@", " alpha", "-beta", "+BETA", " gamma")),
    message: /has no file header/,
  },
];

describe("PatchTaskHandler", () => {
  it.each(applied)("$name", async ({ files, instruction, expected, summary }) => {
    const dir = await temp.make();
    await writeTree(dir, files);

    const result = await new PatchTaskHandler().apply({ dir }, changeTask({ instruction }), new AbortController().signal);

    const tree = await readTree(dir);
    expect(tree[TRACE]).toContain("- **Change handler:** patch (applied");
    expect(without(tree, TRACE)).toEqual(expected);
    expect(result.summary).toBe(summary);
    expect(result.changedFiles).toContain(TRACE);
  });

  it.each(applied)("changes nothing when re-run after it $name", async ({ files, instruction }) => {
    const dir = await temp.make();
    await writeTree(dir, files);
    const handler = new PatchTaskHandler();
    const task = changeTask({ instruction });
    const first = await handler.apply({ dir }, task, new AbortController().signal);
    const before = await readTree(dir);

    const second = await handler.apply({ dir }, task, new AbortController().signal);

    expect(await readTree(dir)).toEqual(before);
    expect(second.summary).toBe(first.summary);
    expect(second.changedFiles).toEqual([TRACE]);
  });

  it.each(refused)("refuses $name and writes nothing", async ({ files, instruction, message }) => {
    const dir = await temp.make();
    await writeTree(dir, files);

    const error = await new PatchTaskHandler()
      .apply({ dir }, changeTask({ instruction }), new AbortController().signal)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ChangeFailedError);
    expect((error as ChangeFailedError).userMessage).toMatch(message);
    expect(await readTree(dir)).toEqual(files);
  });

  it("does not re-append a line that a re-run finds already at the end of the file", async () => {
    const dir = await temp.make();
    await writeTree(dir, { "list.txt": "a\nb\nc\nd\n" });
    const instruction = fenced(lines("--- a/list.txt", "+++ b/list.txt", "@@ -1,3 +1,4 @@", " a", " b", " c", "+d"));

    await new PatchTaskHandler().apply({ dir }, changeTask({ instruction }), new AbortController().signal);

    expect((await readTree(dir))["list.txt"]).toBe("a\nb\nc\nd\n");
  });

  it("writes the same trace file bytes on every run", async () => {
    const dir = await temp.make();
    await writeTree(dir, base);
    const task = changeTask({ instruction: fenced(lines(notesDiff, freshDiff)) });
    const handler = new PatchTaskHandler();

    await handler.apply({ dir }, task, new AbortController().signal);
    const first = await readFile(path.join(dir, TRACE));
    await handler.apply({ dir }, task, new AbortController().signal);

    expect(await readFile(path.join(dir, TRACE))).toEqual(first);
    expect(first.toString()).toContain("modified: docs/notes.md\nnew: fresh.txt");
  });

  it("applies a second block on top of what the first block did to the same file", async () => {
    const dir = await temp.make();
    await writeTree(dir, base);
    const second = lines("--- a/docs/notes.md", "+++ b/docs/notes.md", "@@ -1,3 +1,3 @@", " alpha", "-BETA", "+Beta", " gamma");

    await new PatchTaskHandler().apply({ dir }, changeTask({ instruction: lines(fenced(notesDiff), fenced(second)) }), new AbortController().signal);

    expect((await readTree(dir))["docs/notes.md"]).toBe("alpha\nBeta\ngamma\n");
  });

  it.each([
    { name: "sets the executable bit of a new file", diff: lines("diff --git a/run.sh b/run.sh", "new file mode 100755", "--- /dev/null", "+++ b/run.sh", "@@ -0,0 +1 @@", "+#!/bin/sh"), file: "run.sh", executable: true },
    { name: "changes the mode of an existing file", diff: lines("diff --git a/docs/notes.md b/docs/notes.md", "old mode 100644", "new mode 100755"), file: "docs/notes.md", executable: true },
  ])("$name", async ({ diff, file, executable }) => {
    const dir = await temp.make();
    await writeTree(dir, base);

    await new PatchTaskHandler().apply({ dir }, changeTask({ instruction: fenced(diff) }), new AbortController().signal);

    expect(((await stat(path.join(dir, file))).mode & 0o111) !== 0).toBe(executable);
  });

  it.each([
    { name: "a directory symlink that points outside the tree", target: "outside", through: "escape/evil.txt" },
    { name: "a directory symlink that points inside the tree", target: "inside", through: "alias/evil.txt" },
    { name: "a file symlink", target: "file", through: "link.txt" },
  ])("refuses to write through $name", async ({ target, through }) => {
    const dir = await temp.make();
    const outside = await temp.make();
    await writeTree(dir, base);
    await writeTree(outside, { "evil.txt": "x\n" });
    await mkdir(path.join(dir, "docs", "real"), { recursive: true });
    if (target === "outside") await symlink(outside, path.join(dir, "escape"));
    if (target === "inside") await symlink(path.join(dir, "docs", "real"), path.join(dir, "alias"));
    if (target === "file") await symlink(path.join(outside, "evil.txt"), path.join(dir, "link.txt"));
    const instruction = fenced(lines(notesDiff, `--- a/${through}`, `+++ b/${through}`, "@@ -1 +1 @@", "-x", "+pwned"));

    const error = await new PatchTaskHandler().apply({ dir }, changeTask({ instruction }), new AbortController().signal).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ChangeFailedError);
    expect((error as ChangeFailedError).userMessage).toMatch(/symbolic link/);
    expect(await readTree(outside)).toEqual({ "evil.txt": "x\n" });
    expect(await readTree(dir)).toEqual(base);
    expect((await lstat(path.join(dir, "docs", "real"))).isDirectory()).toBe(true);
  });

  it("refuses a file that is not UTF-8 text", async () => {
    const dir = await temp.make();
    await writeFile(path.join(dir, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const instruction = fenced(lines("--- a/latin1.txt", "+++ b/latin1.txt", "@@ -1 +1 @@", "-café", "+cafe"));

    await expect(new PatchTaskHandler().apply({ dir }, changeTask({ instruction }), new AbortController().signal)).rejects.toThrow(
      /not UTF-8/,
    );
  });

  it("stops before writing when the task is aborted", async () => {
    const dir = await temp.make();
    await writeTree(dir, base);
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));

    await expect(new PatchTaskHandler().apply({ dir }, changeTask({ instruction: fenced(notesDiff) }), controller.signal)).rejects.toThrow(
      "shutting down",
    );
    expect(await readTree(dir)).toEqual(base);
  });
});

function without(files: Readonly<Record<string, string>>, ...drop: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([p]) => !drop.includes(p)));
}
