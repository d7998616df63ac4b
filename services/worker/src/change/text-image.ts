/** One line of a file: its text without the terminator, and the terminator itself. */
export interface TextLine {
  readonly text: string;
  /** "\n", "\r\n", or "" for a last line without a newline. */
  readonly eol: string;
}

/**
 * Splits text into lines, remembering each line's terminator so a CRLF file
 * stays CRLF and a missing final newline stays missing.
 */
export function toLines(content: string): TextLine[] {
  if (content === "") return [];
  const pieces = content.split("\n");
  const last = pieces.pop() ?? "";
  const lines = pieces.map((piece) =>
    piece.endsWith("\r") ? { text: piece.slice(0, -1), eol: "\r\n" } : { text: piece, eol: "\n" },
  );
  if (last !== "") lines.push({ text: last, eol: "" });
  return lines;
}

/** Joins lines back; a line left without a terminator in the middle gets the file's usual one. */
export function fromLines(lines: readonly TextLine[]): string {
  const eol = usualEol(lines);
  return lines.map((line, i) => line.text + (line.eol === "" && i < lines.length - 1 ? eol : line.eol)).join("");
}

/** The terminator most lines use, for lines a patch adds: CRLF only where CRLF dominates. */
export function usualEol(lines: readonly TextLine[]): string {
  let crlf = 0;
  let lf = 0;
  for (const line of lines) {
    if (line.eol === "\r\n") crlf += 1;
    else if (line.eol === "\n") lf += 1;
  }
  return crlf > lf ? "\r\n" : "\n";
}
