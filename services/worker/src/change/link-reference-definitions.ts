import { closesFence, openingFence } from "./fence-line.js";

export interface StrippedDefinitions {
  readonly text: string;
  /** How many link reference definitions were removed. */
  readonly removed: number;
}

/** CommonMark's bound on a link label. */
const MAX_LABEL_CHARS = 999;
const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]$/;
const TITLE_CLOSERS: Readonly<Record<string, string>> = { '"': '"', "'": "'", "(": ")" };

/**
 * Removes the markdown link reference definitions outside fenced code blocks:
 * `[label]: destination "title"` renders as nothing at all, so it is the
 * markdown way to write a comment (`[//]: # (hidden)`, `[comment]: <> (hidden)`)
 * that an issue's reader never sees but a change step reads. Every definition
 * goes, not only those idioms: a definition with a real destination renders
 * as nothing too (its title is a tooltip at most). The price, accepted for an
 * instruction to a code-changing agent: a reference-style link (`[docs][1]`)
 * keeps its visible text but loses its target.
 *
 * What counts as a definition follows CommonMark, read generously so that
 * more is removed rather than less: any indentation, after block-quote and
 * list markers (`> [//]: # (x)`, `- [//]: # (x)`), the label, destination and
 * title each spread over lines as CommonMark allows (a title on the next line,
 * a title over several lines), up to a blank line or a fence, which end any
 * definition; a definition interrupting a paragraph is removed too (GitHub
 * shows that one as text). Fences are read as the comment stripper and the
 * patch handler read them (fence-line.ts).
 *
 * A removed definition leaves an empty line where it stood, so the text either
 * side never joins into a new definition: removing twice removes nothing more.
 * Each scan stops at the first character that ends it (a bracket for a label,
 * the closing delimiter for a title), so together they read each character a
 * bounded number of times: linear.
 */
export function stripLinkReferenceDefinitions(text: string): StrippedDefinitions {
  const reader = new DefinitionReader(text);
  const out: string[] = [];
  let removed = 0;
  let kept = 0;
  let fence: string | undefined;
  for (let at = 0; at < text.length; ) {
    const end = reader.lineEnd(at);
    const line = text.slice(at, end);
    if (fence !== undefined) {
      if (closesFence(line, fence)) fence = undefined;
    } else {
      fence = openingFence(line)?.fence;
      const definitionEnd = fence === undefined ? reader.read(at) : -1;
      if (definitionEnd !== -1) {
        // Up to the definition's last newline, which stays: an empty line now.
        out.push(text.slice(kept, at));
        kept = definitionEnd;
        removed += 1;
        at = definitionEnd + 1;
        continue;
      }
    }
    at = end + 1;
  }
  out.push(text.slice(kept));
  return { text: out.join(""), removed };
}

/** Reads one definition from a line's start; every position is an index into the whole text. */
class DefinitionReader {
  constructor(private readonly text: string) {}

  /** The index of the newline ending the line at `at`, or the text's length. */
  lineEnd(at: number): number {
    const end = this.text.indexOf("\n", at);
    return end === -1 ? this.text.length : end;
  }

  /** Where a definition starting at the line start `start` ends (its last line's end), or -1 when there is none. */
  read(start: number): number {
    const open = this.skipBlanks(this.skipContainerMarkers(start));
    if (this.text[open] !== "[") return -1;
    const labelEnd = this.label(open);
    if (labelEnd === -1 || this.text[labelEnd + 1] !== ":") return -1;
    let at = this.skipBlanks(labelEnd + 2);
    if (this.text[at] === "\n") {
      // The destination may sit on the next line.
      if (!this.continues(at + 1)) return -1;
      at = this.skipBlanks(this.skipContainerMarkers(at + 1));
    }
    const destinationEnd = this.destination(at);
    if (destinationEnd === -1) return -1;
    const after = this.skipBlanks(destinationEnd);
    if (after === this.text.length || this.text[after] === "\n") return this.titleOnNextLine(after) ?? after;
    // A title on the destination's line, after a blank, must be whole and end its line.
    if (after === destinationEnd) return -1;
    const titleEnd = this.title(after);
    if (titleEnd === -1) return -1;
    const lineEnd = this.skipBlanks(titleEnd);
    return lineEnd === this.text.length || this.text[lineEnd] === "\n" ? lineEnd : -1;
  }

  /** A title alone on the line after `newline` (a newline, or the end), or undefined when that line is not one. */
  private titleOnNextLine(newline: number): number | undefined {
    if (newline === this.text.length || !this.continues(newline + 1)) return undefined;
    const titleEnd = this.title(this.skipBlanks(this.skipContainerMarkers(newline + 1)));
    if (titleEnd === -1) return undefined;
    const lineEnd = this.skipBlanks(titleEnd);
    return lineEnd === this.text.length || this.text[lineEnd] === "\n" ? lineEnd : undefined;
  }

  /** The index of the label's `]`, or -1: no unescaped bracket inside, not blank, at most 999 characters. */
  private label(open: number): number {
    let visible = false;
    for (let at = open + 1; at < this.text.length && at - open - 1 <= MAX_LABEL_CHARS; at++) {
      const c = this.text[at];
      if (c === "]") return visible ? at : -1;
      if (c === "[") return -1;
      if (c === "\n") {
        if (!this.continues(at + 1)) return -1;
      } else if (this.escapes(at)) {
        visible = true;
        at += 1;
      } else if (!isWhitespace(c)) {
        visible = true;
      }
    }
    return -1;
  }

  /** The index after the destination starting at `at`, or -1: `<...>` on one line, or a run of non-blanks with balanced parentheses. */
  private destination(at: number): number {
    if (this.text[at] === "<") {
      for (let i = at + 1; i < this.text.length; i++) {
        const c = this.text[i];
        if (c === ">") return i + 1;
        if (c === "<" || c === "\n") return -1;
        if (this.escapes(i)) i += 1;
      }
      return -1;
    }
    let depth = 0;
    let i = at;
    for (; i < this.text.length; i++) {
      const c = this.text[i]!;
      if (isBlank(c) || c === "\n" || c < " ") break;
      if (this.escapes(i)) i += 1;
      else if (c === "(") depth += 1;
      else if (c === ")" && --depth < 0) return -1;
    }
    return i > at && depth === 0 ? i : -1;
  }

  /** The index after a title opened at `at` ("...", '...' or (...)), possibly over several lines, or -1. */
  private title(at: number): number {
    const opener = this.text[at] ?? "";
    const closer = TITLE_CLOSERS[opener];
    if (closer === undefined) return -1;
    for (let i = at + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === closer) return i + 1;
      if (this.escapes(i)) i += 1;
      else if (opener === "(" && c === "(") return -1;
      else if (c === "\n" && !this.continues(i + 1)) return -1;
    }
    return -1;
  }

  /** Whether a definition may go on at the line starting at `start`: there is one, and it is neither blank nor a fence. */
  private continues(start: number): boolean {
    if (start >= this.text.length) return false;
    const line = this.text.slice(start, this.lineEnd(start));
    return !/^[ \t\r]*$/.test(line) && openingFence(line) === undefined;
  }

  /** Past block-quote markers and list-item markers (`>`, `-`, `*`, `+`, `1.`, `1)`), each followed by a blank or the line's end. */
  private skipContainerMarkers(start: number): number {
    let at = start;
    for (;;) {
      const next = this.skipBlanks(at);
      const c = this.text[next];
      if (c === ">") {
        at = next + 1;
        continue;
      }
      let marker = c === "-" || c === "*" || c === "+" ? next + 1 : -1;
      if (marker === -1) {
        let digits = next;
        while (digits < this.text.length && digits - next < 9 && isDigit(this.text[digits])) digits++;
        const delimiter = this.text[digits];
        if (digits > next && (delimiter === "." || delimiter === ")")) marker = digits + 1;
      }
      const following = this.text[marker];
      if (marker === -1 || !(following === undefined || following === "\n" || isBlank(following))) return at;
      at = marker;
    }
  }

  /** A backslash escapes ASCII punctuation only (CommonMark), so never a line end: no scan skips the check of the next line. */
  private escapes(at: number): boolean {
    return this.text[at] === "\\" && ASCII_PUNCTUATION.test(this.text[at + 1] ?? "");
  }

  private skipBlanks(at: number): number {
    let i = at;
    while (i < this.text.length && isBlank(this.text[i])) i++;
    return i;
  }
}

/** Spaces and tabs, and the carriage return of a CRLF line end (issue bodies often have them). */
function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\r";
}

function isWhitespace(c: string | undefined): boolean {
  return c !== undefined && /\s/.test(c);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}
