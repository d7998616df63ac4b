import type { Hunk } from "./file-patch.js";
import { PatchSearch } from "./patch-search.js";
import { usualEol, type TextLine } from "./text-image.js";

export type HunkApplication =
  | {
      readonly ok: true;
      readonly lines: TextLine[];
      /** How far, in lines, the hunks sat from where their headers said. */
      readonly drift: number;
      /** How many lines of the file the hunks matched: an insertion without context matches none. */
      readonly evidence: number;
    }
  | { readonly ok: false; readonly failedHunk: number };

/**
 * "strict": a hunk must sit where git first looks for it (at the start of the
 * file when its header says line 1, at the end when it has no trailing context).
 * "relaxed": like git apply, those anchors are dropped when nothing matches there.
 * Either way context must match exactly (no fuzz); only the position may shift.
 */
export type AnchorMode = "strict" | "relaxed";

interface OldLine {
  readonly text: string;
  /** The file must end here without a newline. */
  readonly noNewline: boolean;
  /** What comparing this line costs the search budget (see LINE_UNIT_CHARS). */
  readonly cost: number;
}

/**
 * Comparing two equal strings takes time in proportion to their length, so a
 * line counts one unit of search work per this many characters (at least one):
 * a hunk of long identical lines cannot buy more work with the same budget.
 */
const LINE_UNIT_CHARS = 64;

/**
 * Applies hunks, in order, to a file's lines without touching the disk. Each
 * hunk is searched for nearest to its header's position (shifted by how far the
 * previous hunk moved) and never before the end of the previous hunk. Lines the
 * hunk keeps retain their own terminators; added lines take the file's usual one.
 *
 * The search is charged to `search`, which bounds it (SearchLimitError) and
 * yields to the event loop now and then so an abort can interrupt it.
 */
export async function applyHunks(
  lines: readonly TextLine[],
  hunks: readonly Hunk[],
  mode: AnchorMode,
  search: PatchSearch = new PatchSearch(),
): Promise<HunkApplication> {
  const placed: { pos: number; hunk: Hunk }[] = [];
  let minPos = 0;
  let shift = 0;
  let drift = 0;
  let evidence = 0;
  for (const [index, hunk] of hunks.entries()) {
    const old = oldSide(hunk);
    const base = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
    search.startHunk(index);
    const pos = await placeHunk(lines, hunk, old, base + shift, minPos, mode, search);
    search.endHunk();
    if (pos === undefined) return { ok: false, failedHunk: index };
    placed.push({ pos, hunk });
    drift += Math.abs(pos - base);
    evidence += old.length;
    shift = pos - base;
    minPos = pos + old.length;
  }
  // Rebuilding copies every line: a patch that re-applies to a huge file many times pays for it.
  search.charge(lines.length);
  return { ok: true, lines: splice(lines, placed), drift, evidence };
}

async function placeHunk(
  lines: readonly TextLine[],
  hunk: Hunk,
  old: readonly OldLine[],
  expected: number,
  minPos: number,
  mode: AnchorMode,
  search: PatchSearch,
): Promise<number | undefined> {
  // Without context (`diff -U0`) nothing but the line number says where a hunk
  // belongs, so it is not searched for: a shifted match would be a guess.
  if (!hunk.lines.some((line) => line.kind === " ")) {
    const fits = expected >= minPos && expected <= lines.length - old.length;
    return fits && matchesAt(lines, old, expected, search) ? expected : undefined;
  }
  const anchors = anchorsOf(hunk);
  const anchored = await findPosition(lines, old, expected, minPos, anchors, search);
  // Without anchors the first search already was the relaxed one: repeating it would only double the work.
  if (anchored !== undefined || mode === "strict" || (!anchors.start && !anchors.end)) return anchored;
  return findPosition(lines, old, expected, minPos, { start: false, end: false }, search);
}

/** The same hunk read backwards, to test whether a patch is already applied. */
export function reverseHunk(hunk: Hunk): Hunk {
  return {
    header: hunk.header,
    oldStart: hunk.newStart,
    oldCount: hunk.newCount,
    newStart: hunk.oldStart,
    newCount: hunk.oldCount,
    lines: hunk.lines.map((line) => (line.kind === " " ? line : { kind: line.kind === "-" ? "+" : "-", text: line.text })),
    oldNoNewlineAtEnd: hunk.newNoNewlineAtEnd,
    newNoNewlineAtEnd: hunk.oldNoNewlineAtEnd,
  };
}

function oldSide(hunk: Hunk): OldLine[] {
  const texts = hunk.lines.filter((line) => line.kind !== "+").map((line) => line.text);
  return texts.map((text, i) => ({
    text,
    noNewline: hunk.oldNoNewlineAtEnd && i === texts.length - 1,
    cost: 1 + Math.floor(text.length / LINE_UNIT_CHARS),
  }));
}

/**
 * Git's reading of where a hunk with context must sit: one that starts at
 * line 1 belongs at the start, one without trailing context at the end.
 */
function anchorsOf(hunk: Hunk): { start: boolean; end: boolean } {
  return { start: hunk.oldStart <= 1, end: hunk.lines.at(-1)?.kind !== " " };
}

async function findPosition(
  lines: readonly TextLine[],
  old: readonly OldLine[],
  expected: number,
  minPos: number,
  anchors: { start: boolean; end: boolean },
  search: PatchSearch,
): Promise<number | undefined> {
  const maxPos = lines.length - old.length;
  if (maxPos < minPos) return undefined;
  if (anchors.start || anchors.end) {
    const pos = anchors.start ? 0 : maxPos;
    const fits = pos >= minPos && (!anchors.start || !anchors.end || pos === maxPos);
    return fits && matchesAt(lines, old, pos, search) ? pos : undefined;
  }
  const start = Math.min(Math.max(expected, minPos), maxPos);
  for (let distance = 0; start + distance <= maxPos || start - distance >= minPos; distance++) {
    // Only here can the work grow with the file, so only here is a yield needed.
    if (search.due) await search.checkpoint();
    if (start + distance <= maxPos && matchesAt(lines, old, start + distance, search)) return start + distance;
    if (distance > 0 && start - distance >= minPos && matchesAt(lines, old, start - distance, search)) return start - distance;
  }
  return undefined;
}

/**
 * Text must be equal; a line's CR is part of its terminator, so LF context matches a CRLF file.
 * Every line looked at is charged to the search, the one that did not match included.
 */
function matchesAt(lines: readonly TextLine[], old: readonly OldLine[], pos: number, search: PatchSearch): boolean {
  let cost = 0;
  let j = 0;
  for (; j < old.length; j++) {
    const want = old[j];
    const line = lines[pos + j];
    if (want === undefined) break;
    cost += want.cost;
    if (line === undefined || line.text !== want.text || want.noNewline !== (line.eol === "")) break;
  }
  // A pure insertion compares nothing but still costs a look, so scanning positions is never free.
  search.charge(Math.max(cost, 1));
  return j === old.length;
}

function splice(lines: readonly TextLine[], placed: readonly { pos: number; hunk: Hunk }[]): TextLine[] {
  const eol = usualEol(lines);
  const out: TextLine[] = [];
  let cursor = 0;
  for (const { pos, hunk } of placed) {
    copyLines(lines, cursor, pos, out);
    let at = pos;
    const lastNew = hunk.lines.findLastIndex((line) => line.kind !== "-");
    for (const [i, line] of hunk.lines.entries()) {
      if (line.kind === " ") {
        const kept = lines[at];
        if (kept !== undefined) out.push(kept);
        at += 1;
      } else if (line.kind === "-") {
        at += 1;
      } else {
        out.push({ text: line.text, eol: i === lastNew && hunk.newNoNewlineAtEnd ? "" : eol });
      }
    }
    cursor = at;
  }
  copyLines(lines, cursor, lines.length, out);
  return out;
}

/** A loop, not `push(...slice)`: spreading some 120,000 lines or more overflows the call stack. */
function copyLines(lines: readonly TextLine[], from: number, to: number, out: TextLine[]): void {
  for (let i = from; i < to; i++) {
    const line = lines[i];
    if (line !== undefined) out.push(line);
  }
}
