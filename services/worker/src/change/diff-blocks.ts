export interface DiffBlock {
  /** 1-based position among the diff blocks of the instruction, for messages. */
  readonly index: number;
  readonly text: string;
}

const OPENING = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const CLOSING = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const DIFF_INFO = new Set(["diff", "patch"]);

/**
 * The bodies of the fenced ```diff and ```patch blocks of a markdown text, in
 * order. Fences follow CommonMark (``` or ~~~, closed by a run of the same
 * character at least as long), so what the issue shows as one block is one block.
 * Blocks in other languages are examples or prose and are skipped.
 */
export function extractDiffBlocks(markdown: string): DiffBlock[] {
  const blocks: DiffBlock[] = [];
  let open: { fence: string; isDiff: boolean; lines: string[] } | undefined;
  for (const line of markdown.split("\n")) {
    if (open === undefined) {
      const match = OPENING.exec(line);
      if (match !== null) {
        const fence = match[1] ?? "```";
        open = { fence, isDiff: DIFF_INFO.has((match[2] ?? "").toLowerCase()), lines: [] };
      }
      continue;
    }
    if (closes(line, open.fence)) {
      if (open.isDiff) blocks.push({ index: blocks.length + 1, text: open.lines.join("\n") });
      open = undefined;
      continue;
    }
    open.lines.push(line);
  }
  // An unclosed fence runs to the end of the document, as CommonMark renders it.
  if (open?.isDiff === true) blocks.push({ index: blocks.length + 1, text: open.lines.join("\n") });
  return blocks;
}

function closes(line: string, fence: string): boolean {
  const match = CLOSING.exec(line);
  const run = match?.[1];
  return run !== undefined && run[0] === fence[0] && run.length >= fence.length;
}
