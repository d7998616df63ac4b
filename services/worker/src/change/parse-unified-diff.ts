import { ChangeFailedError } from "@agent-runner/core";
import type { FilePatch, FilePatchKind, Hunk, HunkLine } from "./file-patch.js";
import { checkPatchPath } from "./patch-path.js";

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const EXTENDED_HEADER =
  /^(old mode|new mode|deleted file mode|new file mode|copy from|copy to|rename from|rename to|rename old|rename new|similarity index|dissimilarity index|index) (.*)$/;
const SUPPORTED_MODES = new Set(["100644", "100755", "100664"]);

/**
 * Reads the file patches of one diff block: git's format (`diff --git` with its
 * extended header lines) and plain `---`/`+++` diffs, as `git apply` reads them
 * with its default `-p1`. Text outside file patches (a commit message, prose) is
 * skipped the way git skips it. Anything malformed is a ChangeFailedError, since
 * retrying cannot repair the patch.
 */
export function parseUnifiedDiff(text: string, block: number): FilePatch[] {
  const reader = new LineReader(text.split("\n"));
  const patches: FilePatch[] = [];
  for (let line = reader.peek(); line !== undefined; line = reader.peek()) {
    if (line.startsWith("diff --git ")) {
      patches.push(parseGitPatch(reader, block));
    } else if (line.startsWith("--- ") && reader.peek(1)?.startsWith("+++ ") && reader.peek(2)?.startsWith("@@")) {
      patches.push(parseTraditionalPatch(reader, block));
    } else if (HUNK_HEADER.test(line)) {
      throw malformed(block, undefined, `the hunk \`${clip(line)}\` has no file header (\`diff --git\` or \`---\`/\`+++\`) before it`);
    } else {
      reader.skip();
    }
  }
  return patches;
}

class LineReader {
  private at = 0;
  constructor(private readonly lines: readonly string[]) {}
  peek(ahead = 0): string | undefined {
    return this.lines[this.at + ahead];
  }
  next(): string | undefined {
    const line = this.lines[this.at];
    this.at += 1;
    return line;
  }
  skip(): void {
    this.at += 1;
  }
}

interface ExtendedHeaders {
  oldMode?: string;
  newMode?: string;
  newFile?: boolean;
  deleted?: boolean;
  renameFrom?: string;
  renameTo?: string;
  copyFrom?: string;
  copyTo?: string;
}

function parseGitPatch(reader: LineReader, block: number): FilePatch {
  const headerNames = gitHeaderNames((reader.next() ?? "").slice("diff --git ".length));
  const ext = readExtendedHeaders(reader);
  const binary = reader.peek();
  if (binary !== undefined && (binary.startsWith("Binary files ") || binary === "GIT binary patch")) {
    const name = headerNames?.[1] ?? "a file";
    throw malformed(block, stripPrefix(name), "binary patches are not supported");
  }
  let minus: string | undefined | null = null;
  let plus: string | undefined | null = null;
  if (reader.peek()?.startsWith("--- ") && reader.peek(1)?.startsWith("+++ ")) {
    minus = diffLineName(reader.next() ?? "");
    plus = diffLineName(reader.next() ?? "");
  }
  // Where git is explicit (rename/copy lines, ---/+++) it wins over the ambiguous `diff --git` line.
  let oldRaw: string | undefined = ext.renameFrom ?? ext.copyFrom;
  let newRaw: string | undefined = ext.renameTo ?? ext.copyTo;
  if (oldRaw === undefined) oldRaw = minus !== null ? stripOptional(minus) : stripOptional(headerNames?.[0]);
  if (newRaw === undefined) newRaw = plus !== null ? stripOptional(plus) : stripOptional(headerNames?.[1]);
  if (ext.newFile === true || minus === undefined) oldRaw = undefined;
  if (ext.deleted === true || plus === undefined) newRaw = undefined;
  const kind: FilePatchKind =
    oldRaw === undefined
      ? "new"
      : newRaw === undefined
        ? "delete"
        : ext.renameFrom !== undefined
          ? "rename"
          : ext.copyFrom !== undefined
            ? "copy"
            : "modify";
  const shown = newRaw ?? oldRaw;
  const hunks = parseHunks(reader, block, shown);
  return finish(block, { kind, oldRaw, newRaw, oldMode: ext.oldMode, newMode: ext.newMode, hunks });
}

function readExtendedHeaders(reader: LineReader): ExtendedHeaders {
  const ext: ExtendedHeaders = {};
  for (let line = reader.peek(); line !== undefined; line = reader.peek()) {
    const match = EXTENDED_HEADER.exec(line);
    if (match === null) break;
    reader.skip();
    const value = match[2] ?? "";
    switch (match[1]) {
      case "old mode":
        ext.oldMode = value.trim();
        break;
      case "new mode":
        ext.newMode = value.trim();
        break;
      case "deleted file mode":
        ext.deleted = true;
        ext.oldMode = value.trim();
        break;
      case "new file mode":
        ext.newFile = true;
        ext.newMode = value.trim();
        break;
      case "rename from":
      case "rename old":
        ext.renameFrom = unquote(value);
        break;
      case "rename to":
      case "rename new":
        ext.renameTo = unquote(value);
        break;
      case "copy from":
        ext.copyFrom = unquote(value);
        break;
      case "copy to":
        ext.copyTo = unquote(value);
        break;
      case "index": {
        // `index abc..def 100644` carries the mode of an unchanged-mode file.
        const mode = /^\S+\s+(\d{6})$/.exec(value.trim())?.[1];
        if (mode !== undefined) ext.oldMode ??= mode;
        break;
      }
      default:
        break; // similarity and dissimilarity carry nothing to apply
    }
  }
  return ext;
}

function parseTraditionalPatch(reader: LineReader, block: number): FilePatch {
  const oldRaw = stripOptional(diffLineName(reader.next() ?? ""));
  const newRaw = stripOptional(diffLineName(reader.next() ?? ""));
  const kind: FilePatchKind = oldRaw === undefined ? "new" : newRaw === undefined ? "delete" : "modify";
  // A plain diff names the same file twice (often `x.orig` and `x`); like git, edit the new name in place.
  const target = kind === "modify" ? newRaw : undefined;
  const hunks = parseHunks(reader, block, newRaw ?? oldRaw);
  return finish(block, {
    kind,
    oldRaw: target ?? oldRaw,
    newRaw: target ?? newRaw,
    oldMode: undefined,
    newMode: undefined,
    hunks,
  });
}

interface RawPatch {
  kind: FilePatchKind;
  oldRaw: string | undefined;
  newRaw: string | undefined;
  oldMode: string | undefined;
  newMode: string | undefined;
  hunks: Hunk[];
}

function finish(block: number, raw: RawPatch): FilePatch {
  if (raw.oldRaw === undefined && raw.newRaw === undefined) {
    throw malformed(block, undefined, "a file patch names no file (both sides are /dev/null or missing)");
  }
  const oldPath = raw.oldRaw === undefined ? undefined : checkPatchPath(raw.oldRaw, block);
  const newPath = raw.newRaw === undefined ? undefined : checkPatchPath(raw.newRaw, block);
  const shown = newPath ?? oldPath;
  for (const mode of [raw.oldMode, raw.newMode]) {
    if (mode !== undefined && !SUPPORTED_MODES.has(mode)) {
      const what = mode === "120000" ? "symbolic links" : mode === "160000" ? "submodules" : `file mode ${mode}`;
      throw malformed(block, shown, `${what} are not supported`);
    }
  }
  if (raw.kind === "new" && raw.hunks.some((h) => h.oldCount > 0)) {
    throw malformed(block, shown, "a new file's hunks may only add lines");
  }
  if (raw.kind === "delete" && raw.hunks.some((h) => h.newCount > 0)) {
    throw malformed(block, shown, "a deleted file's hunks may only remove lines");
  }
  if (raw.kind === "modify" && raw.hunks.length === 0 && (raw.newMode === undefined || raw.oldMode === raw.newMode)) {
    throw malformed(block, shown, "the file patch has no hunks and changes nothing");
  }
  return { kind: raw.kind, oldPath, newPath, oldMode: raw.oldMode, newMode: raw.newMode, hunks: raw.hunks, block };
}

function parseHunks(reader: LineReader, block: number, file: string | undefined): Hunk[] {
  const hunks: Hunk[] = [];
  for (let line = reader.peek(); line?.startsWith("@@") === true; line = reader.peek()) {
    hunks.push(parseHunk(reader, block, file));
  }
  return hunks;
}

function parseHunk(reader: LineReader, block: number, file: string | undefined): Hunk {
  const header = reader.next() ?? "";
  const match = HUNK_HEADER.exec(header);
  if (match === null) throw malformed(block, file, `\`${clip(header)}\` is not a valid hunk header`);
  const oldStart = Number(match[1]);
  const oldCount = match[2] === undefined ? 1 : Number(match[2]);
  const newStart = Number(match[3]);
  const newCount = match[4] === undefined ? 1 : Number(match[4]);
  const lines: HunkLine[] = [];
  let oldLeft = oldCount;
  let newLeft = newCount;
  let oldNoNewlineAtEnd = false;
  let newNoNewlineAtEnd = false;
  const markNoNewline = (): void => {
    const last = lines.at(-1);
    if (last === undefined) throw malformed(block, file, `the hunk \`${clip(header)}\` starts with "\\ No newline at end of file"`);
    if (last.kind !== "+") oldNoNewlineAtEnd = true;
    if (last.kind !== "-") newNoNewlineAtEnd = true;
  };
  while (oldLeft > 0 || newLeft > 0) {
    const line = reader.peek();
    // An empty line is a blank context line whose leading space an editor trimmed; git accepts it too.
    const kind = line === "" ? " " : line?.[0];
    if (kind === "\\") {
      reader.skip();
      markNoNewline();
      continue;
    }
    if (line === undefined || (kind !== " " && kind !== "-" && kind !== "+")) {
      throw malformed(
        block,
        file,
        `the hunk \`${clip(header)}\` ends early: its header promises ${oldLeft} more old and ${newLeft} more new lines`,
      );
    }
    reader.skip();
    if (kind !== "+") oldLeft -= 1;
    if (kind !== "-") newLeft -= 1;
    if (oldLeft < 0 || newLeft < 0) {
      throw malformed(block, file, `the hunk \`${clip(header)}\` has more lines than its header says`);
    }
    lines.push({ kind, text: line.slice(1) });
  }
  if (reader.peek()?.startsWith("\\") === true) {
    reader.skip();
    markNoNewline();
  }
  return { header, oldStart, oldCount, newStart, newCount, lines, oldNoNewlineAtEnd, newNoNewlineAtEnd };
}

/** The name on a `---`/`+++` line: undefined for /dev/null; a tab starts a timestamp. */
function diffLineName(line: string): string | undefined {
  const rest = line.slice(4);
  const name = rest.startsWith('"') ? unquote(rest) : (rest.split("\t")[0] ?? "").trimEnd();
  return name === "/dev/null" ? undefined : name;
}

/**
 * The two names of `diff --git a/x b/y`. Unquoted names may contain spaces, so
 * when both sides are the same file (the common case) split where the halves
 * agree, as git does; otherwise split before ` b/`.
 */
function gitHeaderNames(rest: string): [string, string] | undefined {
  if (rest.startsWith('"')) {
    const end = closingQuote(rest);
    if (end === -1) return undefined;
    const second = rest.slice(end + 1).trimStart();
    return [unquote(rest.slice(0, end + 1)), second.startsWith('"') ? unquote(second) : second];
  }
  const quotedSecond = rest.indexOf(' "');
  if (quotedSecond !== -1) return [rest.slice(0, quotedSecond), unquote(rest.slice(quotedSecond + 1))];
  const at = splitWhereHalvesAgree(rest);
  if (at !== undefined) return [rest.slice(0, at), rest.slice(at + 1)];
  const split = rest.indexOf(" b/");
  return split === -1 ? undefined : [rest.slice(0, split), rest.slice(split + 1)];
}

/**
 * The first space at which `stripPrefix(left) === stripPrefix(right)`. Stripping
 * and comparing both halves at every space was quadratic in a line of spaces; here
 * each half's first slash comes from one forward scan, and text is compared only
 * when the stripped halves are equally long, which happens at most a couple of
 * times, since the left grows with every space while the right shrinks.
 */
function splitWhereHalvesAgree(rest: string): number | undefined {
  const absolute = rest.startsWith("/");
  const firstSlash = rest.indexOf("/");
  let slashAfter = firstSlash;
  for (let at = rest.indexOf(" "); at !== -1; at = rest.indexOf(" ", at + 1)) {
    const leftFrom = !absolute && firstSlash !== -1 && firstSlash < at ? firstSlash + 1 : 0;
    const rightStart = at + 1;
    if (slashAfter !== -1 && slashAfter < rightStart) slashAfter = rest.indexOf("/", rightStart);
    const rightFrom = rest[rightStart] === "/" || slashAfter === -1 ? rightStart : slashAfter + 1;
    if (at - leftFrom === rest.length - rightFrom && rest.slice(leftFrom, at) === rest.slice(rightFrom)) return at;
  }
  return undefined;
}

/**
 * `git apply -p1`: drop the first directory (`a/`, `b/`); a bare name has none
 * to drop. An absolute name is left whole so the path check refuses it rather
 * than quietly turning `/etc/passwd` into `etc/passwd`.
 */
function stripPrefix(name: string): string {
  if (name.startsWith("/")) return name;
  const slash = name.indexOf("/");
  return slash === -1 ? name : name.slice(slash + 1);
}

function stripOptional(name: string | undefined): string | undefined {
  return name === undefined ? undefined : stripPrefix(name);
}

function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i += 1;
    else if (text[i] === '"') return i;
  }
  return -1;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, "\\": 92 };

/** Git C-quotes names with unusual bytes: `"a/t\303\244st"`. Unquoted text passes through. */
function unquote(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('"')) return trimmed;
  const end = closingQuote(trimmed);
  const body = trimmed.slice(1, end === -1 ? undefined : end);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? "";
    if (ch !== "\\") {
      bytes.push(...Buffer.from(ch, "utf8"));
      continue;
    }
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1))?.[0];
    if (octal !== undefined) {
      bytes.push(parseInt(octal, 8));
      i += 3;
    } else {
      const next = body[i + 1] ?? "";
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function malformed(block: number, file: string | undefined, why: string): ChangeFailedError {
  const where = file === undefined ? `diff block ${block}` : `\`${clip(file)}\` (diff block ${block})`;
  return new ChangeFailedError(`malformed patch in ${where}: ${why}`, `the patch for ${where} cannot be used: ${why}`);
}

function clip(text: string): string {
  const single = text.replace(/`/g, "'");
  return single.length > 120 ? `${single.slice(0, 117)}...` : single;
}
