/** Where a review comment sits in a file's diff, as GitHub records it. */
export interface DiffPosition {
  /** Lines below the file's first `@@` header (GitHub's `position`; later headers count too). */
  position: number;
  /** The hunk up to and including the commented line (GitHub's `diff_hunk`). */
  diffHunk: string;
}

/**
 * Finds the right-side `line` of a file in its unified diff (`git diff` output for that one file).
 * Undefined when the line is not in any hunk: GitHub refuses a comment there
 * (422 `pull_request_review_thread.line must be part of the diff`).
 */
export function diffPosition(fileDiff: string, line: number): DiffPosition | undefined {
  const lines = fileDiff.split("\n");
  const first = lines.findIndex((l) => l.startsWith("@@"));
  if (first < 0) return undefined;
  let hunkStart = first;
  let newLine = 0;
  for (let i = first; i < lines.length; i++) {
    const text = lines[i] ?? "";
    if (text.startsWith("@@")) {
      const match = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
      if (match?.[1] === undefined) return undefined;
      hunkStart = i;
      newLine = Number(match[1]);
      continue;
    }
    // `\ No newline at end of file` and removed lines have no right-side line.
    if (text.startsWith("\\") || text.startsWith("-")) continue;
    if (!text.startsWith("+") && !text.startsWith(" ")) continue;
    if (newLine === line) return { position: i - first, diffHunk: lines.slice(hunkStart, i + 1).join("\n") };
    newLine++;
  }
  return undefined;
}
