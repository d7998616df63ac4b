import { closesFence, openingFence } from "./fence-line.js";

export interface DiffBlock {
  /** 1-based position among the diff blocks of the instruction, for messages. */
  readonly index: number;
  readonly text: string;
}

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
      const opening = openingFence(line);
      if (opening !== undefined) {
        open = { fence: opening.fence, isDiff: DIFF_INFO.has(opening.info.toLowerCase()), lines: [] };
      }
      continue;
    }
    if (closesFence(line, open.fence)) {
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
