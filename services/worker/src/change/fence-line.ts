// Issue text is untrusted, so every pattern here is anchored and free of
// adjacent quantifiers that can trade characters: each runs in linear time. The
// one-piece opening pattern these replace, /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/,
// let `[ \t]*`, `[^\s`]*` and `[^`]*` share a run of spaces or letters, so a long
// fence line ending in a backtick backtracked quadratically (about 8 s for one
// 100,000-character line).
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const INFO_WORD = /^[ \t]*([^\s`]*)/;
const ONLY_BLANKS = /^[ \t]*$/;

/**
 * A line that opens a fenced code block (``` or ~~~ after up to three spaces),
 * with its fence and the first word of its info string (the language). As
 * before, no backtick may follow the fence, whichever the fence character.
 */
export function openingFence(line: string): { fence: string; info: string } | undefined {
  const fence = fenceAt(line);
  if (fence === undefined || fence.rest.includes("`")) return undefined;
  return { fence: fence.run, info: INFO_WORD.exec(fence.rest)?.[1] ?? "" };
}

/** CommonMark: a run of the opening character, at least as long, with nothing but blanks after it. */
export function closesFence(line: string, open: string): boolean {
  const fence = fenceAt(line);
  if (fence === undefined || fence.run[0] !== open[0] || fence.run.length < open.length) return false;
  return ONLY_BLANKS.test(fence.rest);
}

/** The run of ``` or ~~~ a line starts with (after up to three spaces), and what follows it. */
function fenceAt(line: string): { run: string; rest: string } | undefined {
  const match = FENCE.exec(line);
  const run = match?.[1];
  return match === null || run === undefined ? undefined : { run, rest: line.slice(match[0].length) };
}
