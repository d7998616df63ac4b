import { afterEach, describe, expect, it, vi } from "vitest";
import { parseUnifiedDiff } from "./parse-unified-diff.js";
import { PatchTaskHandler } from "./patch-task-handler.js";
import { DEFAULT_SEARCH_LIMITS, PatchSearch } from "./patch-search.js";
import { planPatches } from "./plan-patches.js";
import { changeTask } from "./test-support/change-task.js";
import { fenced, lines, readTree, TempDirs, writeTree } from "./test-support/temp-dirs.js";

const temp = new TempDirs();
afterEach(() => temp.removeAll());

/** 50,000 identical lines, and a 2,000-line hunk that matches them everywhere but in one line. */
const hostileFiles = { "big.txt": "x\n".repeat(50_000) };
const hostileDiff = lines(
  "--- a/big.txt",
  "+++ b/big.txt",
  "@@ -25000,2001 +25000,2001 @@",
  ...Array.from({ length: 1_999 }, () => " x"),
  "-not in the file",
  "+y",
  " x",
);

/** Distinct, code-like lines, as in a real source file. */
const ordinaryFile = (count: number): string => Array.from({ length: count }, (_, i) => `  const value${i} = compute(${i});\n`).join("");

describe("planPatches search limits", () => {
  it("fails a hostile patch for good, naming the hunk and the search limit", async () => {
    const dir = await temp.make();
    await writeTree(dir, hostileFiles);

    const error = await planPatches(dir, parseUnifiedDiff(hostileDiff, 1)).catch((e: unknown) => e);

    expect(error).toMatchObject({ reason: "change_failed" });
    const message = (error as { userMessage: string }).userMessage;
    expect(message).toMatch(/^the patch for `big\.txt` \(diff block 1\) does not apply: hunk 1 of 1 `@@ -25000,2001 \+25000,2001 @@` /);
    expect(message).toContain("could not be located within the search limit (5,000,000 line comparisons)");
    expect(message).toMatch(/No file was changed\.$/);
  });

  it("fails for good when all the patches together pass the task's limit", async () => {
    const dir = await temp.make();
    const files = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.txt`, ordinaryFile(2_000)]));
    await writeTree(dir, files);
    // Each hunk is stale, so each file costs a scan of about 2,000 lines: under 5,000 per hunk, over 6,000 in all.
    const diff = lines(
      ...Object.keys(files).flatMap((name) => [`--- a/${name}`, `+++ b/${name}`, "@@ -1000,2 +1000,2 @@", " stale", "-old", "+new"]),
    );

    const error = await planPatches(dir, parseUnifiedDiff(diff, 1), { limits: { perHunk: 5_000, perPatch: 6_000 } }).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({
      reason: "change_failed",
      userMessage: expect.stringMatching(/went past the search limit for one task \(6,000 line comparisons across all patches\)/),
    });
  });

  it("applies a hunk that drifted far in a 50,000-line file with little of the budget", async () => {
    const dir = await temp.make();
    await writeTree(dir, { "big.ts": ordinaryFile(50_000) });
    // The header says line 100; the code sits at line 40,001.
    const diff = lines(
      "--- a/big.ts",
      "+++ b/big.ts",
      "@@ -100,3 +100,3 @@",
      "   const value40000 = compute(40000);",
      "-  const value40001 = compute(40001);",
      "+  const value40001 = computeFaster(40001);",
      "   const value40002 = compute(40002);",
    );
    let spent = 0;
    const search = vi.spyOn(PatchSearch.prototype, "charge");

    const plan = await planPatches(dir, parseUnifiedDiff(diff, 1));
    for (const [units] of search.mock.calls) spent += units;

    expect(plan.changes).toEqual([{ kind: "modified", path: "big.ts" }]);
    expect(plan.writes[0]?.content?.toString("utf8")).toContain("computeFaster(40001)");
    expect(spent).toBeLessThan(DEFAULT_SEARCH_LIMITS.perHunk / 10);
  });
});

describe("planPatches under a timeout", () => {
  it("rejects with the abort reason when the signal aborts during the hunk search", async () => {
    const dir = await temp.make();
    await writeTree(dir, hostileFiles);
    const controller = new AbortController();
    const reason = new Error("the task timed out after 600 s");
    let checkpoints = 0;
    const onCheckpoint = (): void => {
      // The first yield proves the search is under way; the timeout then fires from a timer, as the worker's does.
      checkpoints += 1;
      if (checkpoints === 1) setTimeout(() => controller.abort(reason), 0);
    };

    const outcome = planPatches(dir, parseUnifiedDiff(hostileDiff, 1), { signal: controller.signal, onCheckpoint });

    await expect(outcome).rejects.toBe(reason);
    expect(checkpoints).toBeGreaterThan(0);
  });

  it("passes the task's signal from the patch handler to the search, which would otherwise run to its limit", async () => {
    const dir = await temp.make();
    await writeTree(dir, hostileFiles);
    const controller = new AbortController();
    const reason = new Error("the task timed out after 600 s");
    setTimeout(() => controller.abort(reason), 0);

    const outcome = new PatchTaskHandler().apply({ dir }, changeTask({ instruction: fenced(hostileDiff) }), controller.signal);

    // Unplugged, the search would fail with the search-limit ChangeFailedError instead.
    await expect(outcome).rejects.toBe(reason);
    expect(await readTree(dir)).toEqual(hostileFiles);
  });
});
