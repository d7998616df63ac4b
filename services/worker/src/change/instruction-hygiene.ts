import { closesFence, openingFence } from "./fence-line.js";
import { stripLinkReferenceDefinitions } from "./link-reference-definitions.js";

export interface StrippedContent {
  /** HTML comments removed; the runner's own `agent_task_metadata` comment is not counted. */
  readonly htmlComments: number;
  /** Markdown link reference definitions removed (`[//]: # (hidden)` and the like, which render as nothing). */
  readonly linkDefinitions: number;
  /** Invisible or direction-changing characters removed, counted by code point. */
  readonly invisibleCharacters: number;
}

export interface SanitizedInstruction {
  readonly text: string;
  readonly stripped: StrippedContent;
}

/**
 * Characters that change what a reader sees without being seen: the Unicode
 * format characters (category Cf: zero-width spaces and joiners U+200B-U+200F,
 * word joiner and invisible operators U+2060-U+2064, the BOM U+FEFF, the soft
 * hyphen U+00AD, the Arabic letter mark U+061C, the bidi embeddings, overrides
 * and isolates U+202A-U+202E and U+2066-U+2069 of "Trojan Source", the
 * deprecated U+206A-U+206F, the tag characters that smuggle ASCII past a
 * reader, and the rest), plus the whole tag block U+E0000-U+E007F (its
 * unassigned code points are not Cf yet, but would be hidden all the same) and
 * the variation selectors U+E0100-U+E01EF, which are not Cf either but can
 * likewise carry invisible data,
 * and unpaired surrogates, which are not text at all: left in, removing a
 * character between two of them would join them into a new character (an
 * invisible tag character, say).
 *
 * Kept, because they are needed to write ordinary text and are drawn, so they
 * hide nothing: the prepended concatenation marks (U+0600-U+0605, U+06DD,
 * U+070F, U+0890-U+0891, U+08E2, U+110BD, U+110CD), which render as visible
 * signs over the digits that follow, and the format controls that lay out the
 * visible glyphs of Egyptian hieroglyphs (U+13430-U+1343F), Duployan shorthand
 * (U+1BCA0-U+1BCA3) and musical notation (U+1D173-U+1D17A).
 *
 * The price, accepted for an instruction to a code-changing agent: ZWJ/ZWNJ go
 * too (U+200C/U+200D), so emoji sequences fall apart into their parts and
 * Persian or Indic text loses joining hints, and tag-based flags (England,
 * Scotland, Wales) show as a plain black flag. A character class with one
 * lookahead costs constant work per character, so this runs in linear time.
 */
const DRAWN_FORMAT = "\\u0600-\\u0605\\u06DD\\u070F\\u0890\\u0891\\u08E2\\u{110BD}\\u{110CD}\\u{13430}-\\u{1343F}\\u{1BCA0}-\\u{1BCA3}\\u{1D173}-\\u{1D17A}";
const HIDDEN = "\\p{Cf}\\u{E0000}-\\u{E007F}\\u{E0100}-\\u{E01EF}\\uD800-\\uDFFF";
const INVISIBLE = new RegExp(`(?![${DRAWN_FORMAT}])[${HIDDEN}]`, "gu");

const COMMENT_OPEN = "<!--";
const COMMENT_CLOSE = "-->";
/** The runner's metadata comment, as parse-dispatch-issue finds it. */
const METADATA = /\s*agent_task_metadata\b/y;

/**
 * Removes what the reader could not see but the change step would:
 * HTML comments, markdown link reference definitions (the other way to write a
 * comment in markdown: link-reference-definitions.ts) and invisible or
 * bidi-control characters. Pure and linear.
 *
 * Decisions, so the result is predictable and `sanitizeInstruction` of its own
 * output changes nothing:
 * - Invisible characters go first, everywhere, fenced code included (a bidi
 *   override in a diff is the "Trojan Source" attack). A patch whose context
 *   or removed lines really contain such a character then no longer applies,
 *   and added lines lose it: what applies is what the reviewer saw.
 * - Comments are removed outside fenced code blocks only: inside a fence
 *   GitHub shows `<!-- -->` literally, and a patch to an HTML file needs it.
 *   What counts as a fence is what the patch handler's diff-block reader
 *   counts, read from each line as written; where removing a comment would
 *   change how a line reads, a backslash or a space keeps the written reading
 *   (see keepWrittenReading). These are the only characters ever added.
 * - A comment runs from `<!--` to the first `-->` after it (`<!-->` and
 *   `<!--->` are complete, empty comments, as in HTML), across lines and past
 *   what would otherwise be a fence, as in a rendered HTML block. An unclosed
 *   `<!--` hides everything after it. Inline code gets no exception: writing
 *   `<!--` in backticks removes the rest of the instruction, which fails the
 *   task visibly instead of passing hidden text along. On a fence's opening
 *   line a comment ends with the line (GitHub does not display the info
 *   string, and the lines after it are code it shows).
 * - Text left either side of a removed comment is joined; if that join spells
 *   `<!--` again, that is a comment too, so no `<!--` survives outside fences.
 * - The `<!-- agent_task_metadata ... -->` comment is removed as well (it is the
 *   runner's metadata, not instruction), but is not counted as hidden content.
 *   An unclosed one hides the rest of the text like any other and is counted.
 */
export function sanitizeInstruction(text: string): SanitizedInstruction {
  let invisibleCharacters = 0;
  const visible = text.replace(INVISIBLE, () => {
    invisibleCharacters += 1;
    return "";
  });
  const { text: uncommented, htmlComments } = new CommentStripper(visible).run();
  // After the comments: a definition may hold one, and what is left of a line decides whether it is a definition.
  const { text: clean, removed: linkDefinitions } = stripLinkReferenceDefinitions(uncommented);
  return { text: clean, stripped: { htmlComments, linkDefinitions, invisibleCharacters } };
}

/** One sentence for the task's report, or "" when nothing was removed. */
export function describeStripped(stripped: StrippedContent): string {
  const parts = [
    count(stripped.htmlComments, "hidden HTML comment", "hidden HTML comments"),
    count(stripped.linkDefinitions, "hidden markdown link reference definition", "hidden markdown link reference definitions"),
    count(stripped.invisibleCharacters, "invisible character", "invisible characters"),
  ].filter((part) => part !== "");
  const last = parts.pop();
  if (last === undefined) return "";
  const list = parts.length === 0 ? last : `${parts.join(", ")} and ${last}`;
  return `Removed ${list} from the instruction before running the change step.`;
}

function count(n: number, one: string, many: string): string {
  if (n <= 0) return "";
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/**
 * A single left-to-right pass that builds the output line by line. Each search
 * for a newline, `<!--` or `-->` resumes where the last one stopped, so no
 * character is searched twice, and re-formed openers are checked in constant
 * time from the output line's last three characters: linear overall.
 */
class CommentStripper {
  private readonly out: string[] = [];
  /** The output line being built in prose: its pieces, and its last three characters for spotting a re-formed `<!--`. */
  private line: string[] = [];
  private tail = "";
  private at = 0;
  private comments = 0;
  /** A comment was removed from the output line being built. */
  private cut = false;
  private readonly newline: Finder;
  private readonly opens: Finder;
  private readonly closes: Finder;

  constructor(private readonly text: string) {
    this.newline = new Finder(text, "\n");
    this.opens = new Finder(text, COMMENT_OPEN);
    this.closes = new Finder(text, COMMENT_CLOSE);
  }

  run(): { text: string; htmlComments: number } {
    let fence: string | undefined;
    while (this.at < this.text.length) {
      if (fence !== undefined) {
        const line = this.verbatimLine();
        if (closesFence(line, fence)) fence = undefined;
        continue;
      }
      // Whether a line opens a fence is read from the line as written, as GitHub reads it.
      const written = openingFence(this.inputLine())?.fence;
      this.cut = false;
      const ended = this.prose(written !== undefined);
      const line = this.keepWrittenReading(this.line.join(""), written);
      this.out.push(line + ended);
      this.line = [];
      this.tail = "";
      fence = written;
    }
    return { text: this.out.join(""), htmlComments: this.comments };
  }

  /** The input line starting at `this.at`, without its newline. */
  private inputLine(): string {
    const end = this.newline.from(this.at);
    return this.text.slice(this.at, end === -1 ? undefined : end);
  }

  /**
   * A removed comment can change how a line reads: it can leave a fence where
   * the line as written had none (`<!-- -->```diff`, `~~<!-- -->~`), which
   * GitHub showed as text, or lengthen the fence a line did open
   * (`~~~<!-- -->~`). Read as it now stands, the first would turn what the
   * reviewer saw as prose, hidden comments included, into a kept code block;
   * the second would let a fence run past its real end. So the line keeps its
   * written reading: a backslash before a fence it did not have (text here, in
   * the diff-block reader and in markdown alike), a space after a fence that
   * grew. A second pass then reads the line as this one did.
   */
  private keepWrittenReading(line: string, written: string | undefined): string {
    const now = openingFence(line)?.fence;
    if (!this.cut || now === written || now === undefined) return line;
    if (written === undefined) {
      const at = line.indexOf(now);
      return `${line.slice(0, at)}\\${line.slice(at)}`;
    }
    // Comments sit after a written fence and only characters after it are lost, so the
    // line still starts with it: `now` is the written fence grown longer.
    const at = line.indexOf(written) + written.length;
    return `${line.slice(0, at)} ${line.slice(at)}`;
  }

  /** Copies one input line as it is (inside a fence) and returns it without its newline. */
  private verbatimLine(): string {
    const end = this.newline.from(this.at);
    const stop = end === -1 ? this.text.length : end;
    const line = this.text.slice(this.at, stop);
    this.out.push(end === -1 ? line : `${line}\n`);
    this.at = end === -1 ? stop : stop + 1;
    return line;
  }

  /**
   * Builds one output line of prose, removing comments, which may run across
   * input lines, except on a fence's opening line (`inFenceLine`): the lines
   * after it are code GitHub shows, so a comment there ends with the line.
   * Returns the terminator that ended the line: "\n", or "" at the end.
   */
  private prose(inFenceLine: boolean): string {
    for (;;) {
      const lineEnd = this.newline.from(this.at);
      const open = this.opens.from(this.at);
      if (open === -1 || (lineEnd !== -1 && lineEnd < open)) {
        const stop = lineEnd === -1 ? this.text.length : lineEnd;
        this.append(this.text.slice(this.at, stop));
        this.at = lineEnd === -1 ? stop : stop + 1;
        return lineEnd === -1 ? "" : "\n";
      }
      this.append(this.text.slice(this.at, open));
      this.at = open;
      this.skipComment(0, inFenceLine);
      // The text before and after a removed comment now touch: they may spell `<!--` anew.
      for (let kept = this.reformedOpen(); kept !== undefined; kept = this.reformedOpen()) {
        this.dropFromLine(kept);
        this.skipComment(kept, inFenceLine);
      }
    }
  }

  /**
   * Skips a comment whose `<!--` begins `inLine` characters back in the output
   * line (already dropped from it) and goes on at `this.at` in the input. With
   * `toLineEnd`, a comment not closed on its line ends there.
   */
  private skipComment(inLine: number, toLineEnd: boolean): void {
    const openEnd = this.at + COMMENT_OPEN.length - inLine;
    // Searching from the opener's `--` lets `<!-->` and `<!--->` close themselves, as in HTML.
    const close = this.closes.from(Math.max(this.at, openEnd - 2));
    const lineEnd = toLineEnd ? this.newline.from(this.at) : -1;
    const end = lineEnd === -1 ? this.text.length : lineEnd;
    const closed = close !== -1 && close < end;
    METADATA.lastIndex = openEnd;
    const isMetadata = METADATA.test(this.text);
    if (!closed || !isMetadata) this.comments += 1;
    this.cut = true;
    this.at = closed ? close + COMMENT_CLOSE.length : end;
  }

  /**
   * How many characters at the end of the output line begin a `<!--` that the
   * input at `this.at` completes, or undefined when they do not.
   */
  private reformedOpen(): number | undefined {
    for (let kept = Math.min(this.tail.length, COMMENT_OPEN.length - 1); kept > 0; kept--) {
      if (this.tail.endsWith(COMMENT_OPEN.slice(0, kept)) && this.text.startsWith(COMMENT_OPEN.slice(kept), this.at)) {
        return kept;
      }
    }
    return undefined;
  }

  private append(piece: string): void {
    if (piece === "") return;
    this.line.push(piece);
    this.tail = (this.tail + piece.slice(-3)).slice(-3);
  }

  /** Removes the last `count` (at most three) characters of the output line. */
  private dropFromLine(count: number): void {
    let left = count;
    while (left > 0 && this.line.length > 0) {
      const last = this.line.pop() ?? "";
      if (last.length > left) this.line.push(last.slice(0, last.length - left));
      left -= Math.min(left, last.length);
    }
    this.tail = "";
    for (let i = this.line.length - 1; i >= 0 && this.tail.length < 3; i--) {
      this.tail = ((this.line[i] ?? "") + this.tail).slice(-3);
    }
  }
}

/**
 * indexOf for a scan that only moves forward: the last answer is reused until
 * the scan passes it, so over the whole text every character is searched once.
 */
class Finder {
  private found = -1;
  private searchedFrom = -1;

  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {}

  /** The first occurrence at or after `from` (which must not decrease between calls), or -1. */
  from(from: number): number {
    const stale = this.searchedFrom === -1 || (this.found !== -1 && this.found < from);
    if (stale) {
      this.found = this.text.indexOf(this.needle, from);
      this.searchedFrom = from;
    }
    return this.found;
  }
}
