import { ChangeFailedError } from "@agent-runner/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FilePatch } from "./file-patch.js";
import { parseUnifiedDiff } from "./parse-unified-diff.js";
import { lines } from "./test-support/temp-dirs.js";

type Shape = Pick<FilePatch, "kind" | "oldPath" | "newPath"> & { hunks: number; newMode?: string };

const shape = (patch: FilePatch): Shape => ({
  kind: patch.kind,
  oldPath: patch.oldPath,
  newPath: patch.newPath,
  hunks: patch.hunks.length,
  ...(patch.newMode === undefined ? {} : { newMode: patch.newMode }),
});

describe("parseUnifiedDiff", () => {
  it.each<{ name: string; diff: string; patches: Shape[] }>([
    {
      name: "reads a git modification",
      diff: lines("diff --git a/x.txt b/x.txt", "index 1..2 100644", "--- a/x.txt", "+++ b/x.txt", "@@ -1 +1 @@", "-a", "+b"),
      patches: [{ kind: "modify", oldPath: "x.txt", newPath: "x.txt", hunks: 1 }],
    },
    {
      name: "reads a plain diff with timestamps",
      diff: lines("--- a/src/x.c\t2024-01-01 00:00:00", "+++ b/src/x.c\t2024-01-02 00:00:00", "@@ -1 +1 @@", "-a", "+b"),
      patches: [{ kind: "modify", oldPath: "src/x.c", newPath: "src/x.c", hunks: 1 }],
    },
    {
      name: "keeps a bare name that has no prefix to strip",
      diff: lines("--- x.txt", "+++ x.txt", "@@ -1 +1 @@", "-a", "+b"),
      patches: [{ kind: "modify", oldPath: "x.txt", newPath: "x.txt", hunks: 1 }],
    },
    {
      name: "reads a new file with its mode",
      diff: lines("diff --git a/run.sh b/run.sh", "new file mode 100755", "--- /dev/null", "+++ b/run.sh", "@@ -0,0 +1 @@", "+echo"),
      patches: [{ kind: "new", oldPath: undefined, newPath: "run.sh", hunks: 1, newMode: "100755" }],
    },
    {
      name: "reads a deletion",
      diff: lines("diff --git a/x b/x", "deleted file mode 100644", "--- a/x", "+++ /dev/null", "@@ -1 +0,0 @@", "-a"),
      patches: [{ kind: "delete", oldPath: "x", newPath: undefined, hunks: 1 }],
    },
    {
      name: "reads a pure rename from its rename lines",
      diff: lines("diff --git a/a b/b c", "similarity index 100%", "rename from a b", "rename to b c"),
      patches: [{ kind: "rename", oldPath: "a b", newPath: "b c", hunks: 0 }],
    },
    {
      name: "reads a copy",
      diff: lines("diff --git a/a b/b", "similarity index 90%", "copy from a", "copy to b", "--- a/a", "+++ b/b", "@@ -1 +1 @@", "-x", "+y"),
      patches: [{ kind: "copy", oldPath: "a", newPath: "b", hunks: 1 }],
    },
    {
      name: "reads a mode change without hunks",
      diff: lines("diff --git a/x b/x", "old mode 100644", "new mode 100755"),
      patches: [{ kind: "modify", oldPath: "x", newPath: "x", hunks: 0, newMode: "100755" }],
    },
    {
      name: "reads several files and hunks, taking removed lines that look like headers as content",
      diff: lines(
        "diff --git a/x b/x",
        "--- a/x",
        "+++ b/x",
        "@@ -1,2 +1,2 @@",
        "--- not a header",
        "+++ not a header either",
        " ctx",
        "@@ -10 +10 @@",
        "-p",
        "+q",
        "diff --git a/y b/y",
        "--- a/y",
        "+++ b/y",
        "@@ -1 +1 @@",
        "-a",
        "+b",
      ),
      patches: [
        { kind: "modify", oldPath: "x", newPath: "x", hunks: 2 },
        { kind: "modify", oldPath: "y", newPath: "y", hunks: 1 },
      ],
    },
    {
      name: "normalises ./ and doubled slashes",
      diff: lines("--- a/./src//x", "+++ b/./src//x", "@@ -1 +1 @@", "-a", "+b"),
      patches: [{ kind: "modify", oldPath: "src/x", newPath: "src/x", hunks: 1 }],
    },
  ])("$name", ({ diff, patches }) => {
    expect(parseUnifiedDiff(diff, 1).map(shape)).toEqual(patches);
  });

  it("records where a last line has no newline on each side", () => {
    const [patch] = parseUnifiedDiff(
      lines("--- a/x", "+++ b/x", "@@ -1,2 +1,2 @@", " keep", "-old", "\\ No newline at end of file", "+new"),
      1,
    );
    expect(patch?.hunks[0]).toMatchObject({ oldNoNewlineAtEnd: true, newNoNewlineAtEnd: false, oldCount: 2, newCount: 2 });
  });

  it.each([
    { name: "a hunk longer than its header", diff: lines("--- a/x", "+++ b/x", "@@ -1 +1 @@", "-a", "-b", "+c"), why: /more lines than its header/ },
    { name: "a new file that removes lines", diff: lines("--- /dev/null", "+++ b/x", "@@ -1 +1 @@", "-a", "+b"), why: /may only add lines/ },
    { name: "a submodule", diff: lines("diff --git a/sub b/sub", "new file mode 160000", "index 0000000..1234567"), why: /submodules are not supported/ },
    { name: "a file patch without any name", diff: lines("--- /dev/null", "+++ /dev/null", "@@ -0,0 +1 @@", "+a"), why: /names no file/ },
    { name: "a modification without hunks", diff: lines("diff --git a/x b/x", "index 1234567..89abcde 100644"), why: /no hunks and changes nothing/ },
  ])("refuses $name", ({ diff, why }) => {
    expect(() => parseUnifiedDiff(diff, 2)).toThrow(ChangeFailedError);
    expect(() => parseUnifiedDiff(diff, 2)).toThrow(why);
  });
});

describe("parseUnifiedDiff on hostile text", () => {
  const long = (fill: string): string => fill.repeat(Math.ceil(200_000 / fill.length));

  // Splitting `diff --git` names tried every space and stripped both halves each time: quadratic in a line of spaces.
  it.each([
    { name: "spaces", rest: long(" ") },
    { name: "words and spaces", rest: long("a ") },
    { name: "slashes and spaces", rest: long("a/ ") },
  ])("reads a 200,000-character `diff --git` line of $name in one pass", ({ rest }) => {
    expect(() => parseUnifiedDiff(`diff --git ${rest}`, 1)).toThrow(/names no file/);
  });

  it("still splits a long `diff --git` line where the two names agree", () => {
    const name = long("dir with spaces/");
    const [patch] = parseUnifiedDiff(lines(`diff --git a/${name}x b/${name}x`, "old mode 100644", "new mode 100755"), 1);
    expect(patch?.newPath).toBe(`${name}x`);
  });

  it.each([
    { name: "hunk markers", line: long("@@") },
    { name: "a hunk header with a 200,000-digit line number", line: `@@ -${long("1")}` },
    { name: "dashes", line: long("-") },
    { name: "spaces", line: long(" ") },
  ])("skips a 200,000-character line of $name outside any file patch", ({ line }) => {
    expect(parseUnifiedDiff(lines("prose", line, "more prose"), 1)).toEqual([]);
  });

  it("refuses a 200,000-character hunk header without hanging on it", () => {
    expect(() => parseUnifiedDiff(lines("--- a/x", "+++ b/x", `@@${long(" ")}`), 1)).toThrow(/is not a valid hunk header/);
  });

  it("reads the mode from a 200,000-character index line", () => {
    const diff = lines("diff --git a/x b/x", `index ${long("a")} 100644`, "--- a/x", "+++ b/x", "@@ -1 +1 @@", "-a", "+b");
    expect(parseUnifiedDiff(diff, 1).map(shape)).toEqual([{ kind: "modify", oldPath: "x", newPath: "x", hunks: 1 }]);
  });

  const diffish = fc
    .array(
      fc.constantFrom("diff --git ", "a/", "b/", "--- ", "+++ ", "@@ -1,2 +1,2 @@", "@@", " ", "-", "+", "x", "/", '"', "\\", "\t", "\n", "\n"),
      { maxLength: 80 },
    )
    .map((pieces) => pieces.join(""));

  it("either reads a patch or refuses it with a ChangeFailedError, whatever the text", () => {
    fc.assert(
      fc.property(diffish, (text) => {
        try {
          parseUnifiedDiff(text, 1);
        } catch (error) {
          expect(error).toBeInstanceOf(ChangeFailedError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
