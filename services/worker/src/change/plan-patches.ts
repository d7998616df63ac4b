import { ChangeFailedError } from "@agent-runner/core";
import { applyHunks, reverseHunk, type HunkApplication } from "./apply-hunks.js";
import { displayPath, type FilePatch, type Hunk } from "./file-patch.js";
import { markdownFence } from "./markdown-fence.js";
import { PatchSearch, SearchLimitError, type PatchSearchOptions } from "./patch-search.js";
import { PatchTreeState, type PlannedWrite, type TreeFile } from "./patch-tree-state.js";
import { fromLines, toLines, type TextLine } from "./text-image.js";

export type FileChangeKind = "modified" | "new" | "deleted" | "renamed" | "copied" | "mode changed";

export interface FileChange {
  readonly kind: FileChangeKind;
  readonly path: string;
  /** The source of a rename or copy. */
  readonly from?: string;
}

export interface PatchPlan {
  /** What the patches change, including files found already patched, so a re-run reports the same. */
  readonly changes: readonly FileChange[];
  /** What must be written for the tree to match; empty when everything is already applied. */
  readonly writes: readonly PlannedWrite[];
}

type Placement = Extract<HunkApplication, { ok: true }>;

type Resolution =
  | { readonly kind: "applied"; readonly text: string }
  | { readonly kind: "already" }
  | { readonly kind: "failed"; readonly hunk: number };

/**
 * Applies every file patch, in order, to an in-memory view of the tree and
 * returns what to write. Nothing touches the disk here, so a patch that fails
 * halfway leaves the tree as it was. A file patch that is already in the tree
 * (its reverse applies) is accepted as done, which makes re-running a task a no-op.
 *
 * Locating hunks is bounded work (see patch-search.ts): past the limits the
 * task fails for good, and `options.signal` aborts it mid-search.
 */
export async function planPatches(root: string, patches: readonly FilePatch[], options: PatchSearchOptions = {}): Promise<PatchPlan> {
  const state = new PatchTreeState(root);
  const search = new PatchSearch(options);
  const changes: FileChange[] = [];
  for (const patch of patches) {
    options.signal?.throwIfAborted();
    try {
      changes.push(await planOne(state, patch, search));
    } catch (error) {
      if (error instanceof SearchLimitError) throw searchLimitReached(patch, error);
      throw error;
    }
    // Splitting and rebuilding files is charged too; yield here when that alone made a check due.
    if (search.due) await search.checkpoint();
  }
  return { changes, writes: state.writes() };
}

async function planOne(state: PatchTreeState, patch: FilePatch, search: PatchSearch): Promise<FileChange> {
  const { oldPath, newPath } = patch;
  if (patch.kind === "new" && newPath !== undefined) return planNew(state, patch, newPath, search);
  if (patch.kind === "delete" && oldPath !== undefined) return planDelete(state, patch, oldPath, search);
  if ((patch.kind === "rename" || patch.kind === "copy") && oldPath !== undefined && newPath !== undefined) {
    return planMove(state, patch, oldPath, newPath, search);
  }
  const target = newPath ?? oldPath ?? "";
  const file = await state.get(target);
  if (file.text === null) throw patchFailed(patch, "the file does not exist");
  const result = await resolve(file.text, patch.hunks, search);
  if (result.kind === "failed") throw hunkFailed(patch, result.hunk);
  state.set(target, {
    text: result.kind === "applied" ? result.text : file.text,
    executable: executableAfter(patch, file),
  });
  return { kind: patch.hunks.length === 0 ? "mode changed" : "modified", path: target };
}

async function planNew(state: PatchTreeState, patch: FilePatch, target: string, search: PatchSearch): Promise<FileChange> {
  const file = await state.get(target);
  const created = await applyHunks([], patch.hunks, "relaxed", search);
  if (!created.ok) throw hunkFailed(patch, created.failedHunk);
  const text = fromLines(created.lines);
  if (file.text !== null && !sameLines(file.text, text)) {
    throw patchFailed(patch, "it creates the file, but a different file already exists there");
  }
  state.set(target, { text: file.text ?? text, executable: patch.newMode === "100755" });
  return { kind: "new", path: target };
}

async function planDelete(state: PatchTreeState, patch: FilePatch, target: string, search: PatchSearch): Promise<FileChange> {
  const file = await state.get(target);
  if (file.text !== null) {
    const removed = await applyHunks(linesOf(file.text, search), patch.hunks, "relaxed", search);
    if (!removed.ok) throw hunkFailed(patch, removed.failedHunk);
    if (removed.lines.length > 0) throw patchFailed(patch, "it deletes the file, but the file has lines the patch does not remove");
    state.set(target, { text: null, executable: false });
  }
  return { kind: "deleted", path: target };
}

async function planMove(
  state: PatchTreeState,
  patch: FilePatch,
  from: string,
  to: string,
  search: PatchSearch,
): Promise<FileChange> {
  const source = await state.get(from);
  const destination = await state.get(to);
  const change: FileChange = { kind: patch.kind === "rename" ? "renamed" : "copied", path: to, from };
  if (source.text !== null && destination.text === null) {
    const moved = await forward(source.text, patch.hunks, search);
    if (moved.kind === "failed") throw hunkFailed(patch, moved.hunk);
    state.set(to, { text: moved.text, executable: executableAfter(patch, source) });
    if (patch.kind === "rename") state.set(from, { text: null, executable: false });
    return change;
  }
  if (destination.text !== null) {
    // Already done: a rename left no source behind; either way the destination holds the result.
    const done =
      patch.kind === "rename"
        ? source.text === null && (await resolve(destination.text, patch.hunks, search)).kind === "already"
        : source.text !== null && matches(await forward(source.text, patch.hunks, search), destination.text);
    if (done || (patch.kind === "rename" && source.text === null && patch.hunks.length === 0)) return change;
    throw patchFailed(patch, `\`${to}\` already exists`);
  }
  throw patchFailed(patch, `the source \`${from}\` does not exist`);
}

/**
 * Forward or already applied. Git's anchored placement is tried first in both
 * directions, then the relaxed one; when both directions fit, the one nearer
 * the header's line numbers wins, so a re-run does not re-apply a hunk that
 * happens to match elsewhere (or an insertion that matches anywhere).
 */
async function resolve(text: string, hunks: readonly Hunk[], search: PatchSearch): Promise<Resolution> {
  if (hunks.length === 0) return { kind: "already" };
  const lines = linesOf(text, search);
  const reversed = hunks.map(reverseHunk);
  let failedHunk = 0;
  for (const mode of ["strict", "relaxed"] as const) {
    const ahead = await applyHunks(lines, hunks, mode, search);
    const back = await applyHunks(lines, reversed, mode, search);
    if (ahead.ok && (!back.ok || preferForward(ahead, back))) return { kind: "applied", text: fromLines(ahead.lines) };
    if (back.ok) return { kind: "already" };
    // The relaxed pass comes last, so the hunk reported is the one that failed even without git's anchors.
    if (!ahead.ok) failedHunk = ahead.failedHunk;
  }
  return { kind: "failed", hunk: failedHunk };
}

/**
 * When a patch fits both ways: a direction that matched no line of the file
 * (an insertion without context fits anywhere) loses to one that did; then the
 * one nearer the header's line numbers wins; then the one that matched more.
 * A full tie counts as already applied: wrongly skipping shows up as "nothing
 * changed", wrongly applying again would silently duplicate lines.
 */
function preferForward(ahead: Placement, back: Placement): boolean {
  if ((ahead.evidence > 0) !== (back.evidence > 0)) return ahead.evidence > 0;
  if (ahead.drift !== back.drift) return ahead.drift < back.drift;
  return ahead.evidence > back.evidence;
}

async function forward(text: string, hunks: readonly Hunk[], search: PatchSearch): Promise<Exclude<Resolution, { kind: "already" }>> {
  const lines = linesOf(text, search);
  const strict = await applyHunks(lines, hunks, "strict", search);
  const result = strict.ok ? strict : await applyHunks(lines, hunks, "relaxed", search);
  return result.ok ? { kind: "applied", text: fromLines(result.lines) } : { kind: "failed", hunk: result.failedHunk };
}

/** A file's lines, charged to the search: a task that patches one huge file many times pays per split. */
function linesOf(text: string, search: PatchSearch): TextLine[] {
  const lines = toLines(text);
  search.charge(lines.length);
  return lines;
}

function matches(result: Exclude<Resolution, { kind: "already" }>, text: string): boolean {
  return result.kind === "applied" && sameLines(result.text, text);
}

/** Equal apart from line terminators, so a CRLF checkout of the same content counts. */
function sameLines(a: string, b: string): boolean {
  const left = toLines(a);
  const right = toLines(b);
  return left.length === right.length && left.every((line, i) => line.text === right[i]?.text && (line.eol === "") === (right[i]?.eol === ""));
}

function executableAfter(patch: FilePatch, file: TreeFile): boolean {
  return patch.newMode === undefined ? file.executable : patch.newMode === "100755";
}

function patchFailed(patch: FilePatch, why: string): ChangeFailedError {
  const where = `\`${clean(displayPath(patch))}\` (diff block ${patch.block})`;
  return new ChangeFailedError(`patch for ${displayPath(patch)} does not apply: ${why}`, `the patch for ${where} does not apply: ${why}. No file was changed.`);
}

/** Names the file and quotes the hunk's header and first lines, so the author can see which part is stale. */
function hunkFailed(patch: FilePatch, index: number): ChangeFailedError {
  const hunk = patch.hunks[index];
  const shownLines = 6;
  const quoted = hunk === undefined ? [] : [hunk.header, ...hunk.lines.slice(0, shownLines).map((l) => `${l.kind}${l.text}`)];
  if (hunk !== undefined && hunk.lines.length > shownLines) quoted.push(`... (${hunk.lines.length - shownLines} more lines)`);
  const where = `\`${clean(displayPath(patch))}\` (diff block ${patch.block})`;
  const what = `hunk ${index + 1} of ${patch.hunks.length}${hunk === undefined ? "" : ` \`${clean(hunk.header)}\``}`;
  return new ChangeFailedError(
    `patch for ${displayPath(patch)} does not apply: ${what} does not match the file`,
    `the patch for ${where} does not apply: ${what} does not match the file. No file was changed.\n\n${markdownFence(clip(quoted.join("\n")), "diff")}`,
  );
}

/** The search gave up: say which hunk, why, and what the author can do about it. */
function searchLimitReached(patch: FilePatch, error: SearchLimitError): ChangeFailedError {
  const where = `\`${clean(displayPath(patch))}\` (diff block ${patch.block})`;
  const hunk = error.hunk === undefined ? undefined : patch.hunks[error.hunk];
  const what =
    hunk === undefined || error.hunk === undefined
      ? "its hunks"
      : `hunk ${error.hunk + 1} of ${patch.hunks.length} \`${clean(clip(hunk.header))}\``;
  const limit = error.limit.toLocaleString("en-US");
  const why =
    error.scope === "hunk"
      ? `${what} could not be located within the search limit (${limit} line comparisons): its lines match the file in too many places`
      : `locating ${what} went past the search limit for one task (${limit} line comparisons across all patches)`;
  return new ChangeFailedError(
    `patch for ${displayPath(patch)} does not apply: ${why}`,
    `the patch for ${where} does not apply: ${why}. ` +
      "Give hunks line numbers close to where they apply and a few distinctive context lines, or split the change into smaller patches. No file was changed.",
  );
}

function clean(text: string): string {
  return text.replace(/`/g, "'");
}

function clip(text: string): string {
  return text.length > 1500 ? `${text.slice(0, 1497)}...` : text;
}
