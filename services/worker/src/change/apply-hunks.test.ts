import { describe, expect, it } from "vitest";
import { applyHunks } from "./apply-hunks.js";
import type { Hunk, HunkLine } from "./file-patch.js";
import { CHECK_EVERY, DEFAULT_SEARCH_LIMITS, PatchSearch, SearchLimitError } from "./patch-search.js";
import { toLines, type TextLine } from "./text-image.js";

const UNLIMITED = { perHunk: Number.POSITIVE_INFINITY, perPatch: Number.POSITIVE_INFINITY };

function hunk(oldStart: number, lines: readonly HunkLine[]): Hunk {
  const oldCount = lines.filter((line) => line.kind !== "+").length;
  const newCount = lines.filter((line) => line.kind !== "-").length;
  return {
    header: `@@ -${oldStart},${oldCount} +${oldStart},${newCount} @@`,
    oldStart,
    oldCount,
    newStart: oldStart,
    newCount,
    lines,
    oldNoNewlineAtEnd: false,
    newNoNewlineAtEnd: false,
  };
}

const context = (text: string): HunkLine => ({ kind: " ", text });
const removed = (text: string): HunkLine => ({ kind: "-", text });
const added = (text: string): HunkLine => ({ kind: "+", text });

/** Distinct, code-like lines, so a wrong position fails on its first line, as in a real file. */
function realisticFile(count: number): TextLine[] {
  return toLines(Array.from({ length: count }, (_, i) => `  const value${i} = compute(${i});\n`).join(""));
}

/** A file of identical lines and a long hunk that matches everywhere but in its last line. */
function hostileCase(fileLines: number, hunkLines: number): { lines: TextLine[]; hunks: Hunk[]; fullScan: number } {
  const lines = toLines("x\n".repeat(fileLines));
  const body = [...Array.from({ length: hunkLines - 1 }, () => context("x")), removed("not in the file"), added("y"), context("x")];
  // Every position costs about a whole hunk of comparisons: what an unbounded scan would spend.
  const fullScan = (fileLines - hunkLines) * (hunkLines - 1);
  return { lines, hunks: [hunk(Math.floor(fileLines / 2), body)], fullScan };
}

describe("applyHunks", () => {
  it("places a hunk whose header is off by some lines, as git apply does", async () => {
    const lines = toLines("a\nb\nc\nd\ne\nf\n");
    const result = await applyHunks(lines, [hunk(1, [context("c"), removed("d"), added("D"), context("e")])], "relaxed");
    expect(result).toMatchObject({ ok: true, drift: 2 });
    expect(result.ok && result.lines.map((line) => line.text)).toEqual(["a", "b", "c", "D", "e", "f"]);
  });

  it("searches a large, ordinary file for a stale hunk with about one comparison per line", async () => {
    const lines = realisticFile(50_000);
    const search = new PatchSearch();
    const stale = hunk(25_000, [context("  const value1 = compute(1);"), removed("  gone();"), added("  here();"), context("x")]);
    const result = await applyHunks(lines, [stale], "relaxed", search);
    expect(result).toEqual({ ok: false, failedHunk: 0 });
    // One look per position, anchored and relaxed passes: far inside the limits, so real patches never meet them.
    expect(search.spent).toBeLessThan(3 * lines.length);
    expect(search.spent).toBeLessThan(DEFAULT_SEARCH_LIMITS.perHunk / 10);
  });

  it("applies a hunk near the end of a 200,000-line file", async () => {
    const lines = realisticFile(200_000);
    const edit = hunk(199_990, [context("  const value199990 = compute(199990);"), removed("  const value199991 = compute(199991);"), added("  fixed();")]);
    const result = await applyHunks(lines, [edit], "relaxed");
    expect(result.ok && result.lines.length).toBe(200_000);
    expect(result.ok && result.lines[199_991]?.text).toBe("  fixed();");
  });

  it("gives up on a 2,000-line hunk that nearly matches everywhere in a 50,000-line file, within its budget", async () => {
    const { lines, hunks, fullScan } = hostileCase(50_000, 2_000);
    const search = new PatchSearch();
    const outcome = await applyHunks(lines, hunks, "relaxed", search).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(SearchLimitError);
    expect(outcome).toMatchObject({ scope: "hunk", hunk: 0, limit: DEFAULT_SEARCH_LIMITS.perHunk });
    // It stops once the budget is spent (plus at most the one position it was comparing), a small part of a full scan.
    expect(search.spent).toBeLessThanOrEqual(DEFAULT_SEARCH_LIMITS.perHunk + 2_000);
    expect(search.spent).toBeLessThan(fullScan / 10);
  });

  it("stops at the task's limit when every hunk stays under its own", async () => {
    // Each stale hunk costs a scan of the 3,000 lines: under 5,000 each, over 8,000 for three.
    const lines = realisticFile(3_000);
    const stale = (n: number): Hunk => hunk(n, [context(`missing ${n}`), removed("a"), added("b"), context("c")]);
    const search = new PatchSearch({ limits: { perHunk: 5_000, perPatch: 8_000 } });
    const outcome = await applyHunks(lines, [stale(1_000)], "relaxed", search)
      .then(() => applyHunks(lines, [stale(1_500)], "relaxed", search))
      .then(() => applyHunks(lines, [stale(2_000)], "relaxed", search))
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(SearchLimitError);
    expect(outcome).toMatchObject({ scope: "patch", limit: 8_000 });
    expect(search.spent).toBeLessThanOrEqual(8_000 + 4);
  });

  it("rejects with the abort reason when the signal aborts while the search is running", async () => {
    const { lines, hunks, fullScan } = hostileCase(50_000, 2_000);
    const controller = new AbortController();
    const reason = new Error("the task timed out");
    let spentWhenAborted: number | undefined;
    const search = new PatchSearch({
      signal: controller.signal,
      limits: UNLIMITED,
      onCheckpoint: (spent) => {
        // A timer, not a direct call: the search must yield to the event loop for the abort to reach it.
        if (spentWhenAborted === undefined) {
          spentWhenAborted = spent;
          setTimeout(() => controller.abort(reason), 1);
        }
      },
    });
    await expect(applyHunks(lines, hunks, "relaxed", search)).rejects.toBe(reason);
    // The search had started before the abort, and stopped long before an unbounded scan would have.
    expect(spentWhenAborted).toBeGreaterThanOrEqual(CHECK_EVERY);
    expect(search.spent).toBeGreaterThan(spentWhenAborted ?? 0);
    expect(search.spent).toBeLessThan(fullScan);
  });

  it("stops at its first checkpoint when the signal aborted before it began", async () => {
    const { lines, hunks } = hostileCase(10_000, 100);
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    const search = new PatchSearch({ signal: controller.signal, limits: UNLIMITED });
    await expect(applyHunks(lines, hunks, "relaxed", search)).rejects.toThrow("shutting down");
    // A checkpoint comes between scan steps; one step looks at two positions of at most 101 lines each.
    expect(search.spent).toBeLessThanOrEqual(CHECK_EVERY + 2 * 101);
  });
});
