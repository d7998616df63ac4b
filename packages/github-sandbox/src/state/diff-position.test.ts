import { describe, expect, it } from "vitest";
import { diffPosition } from "./diff-position.js";

const DIFF = [
  "diff --git a/f.txt b/f.txt",
  "index 1111111..2222222 100644",
  "--- a/f.txt",
  "+++ b/f.txt",
  "@@ -1,3 +1,3 @@",
  " one",
  "-two",
  "+TWO",
  " three",
  "@@ -10,2 +10,3 @@ context",
  " ten",
  "+ten and a half",
  " eleven",
  "",
].join("\n");

describe("diffPosition", () => {
  it("counts lines below the file's first hunk header, later headers included, and cuts the hunk at the line", () => {
    expect(diffPosition(DIFF, 2)).toEqual({ position: 3, diffHunk: "@@ -1,3 +1,3 @@\n one\n-two\n+TWO" });
    expect(diffPosition(DIFF, 11)).toEqual({ position: 7, diffHunk: "@@ -10,2 +10,3 @@ context\n ten\n+ten and a half" });
  });

  it("finds nothing for a line outside every hunk or a file that did not change", () => {
    expect(diffPosition(DIFF, 5)).toBeUndefined();
    expect(diffPosition("", 1)).toBeUndefined();
  });
});
