import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractDiffBlocks } from "./diff-blocks.js";
import { lines } from "./test-support/temp-dirs.js";

describe("extractDiffBlocks", () => {
  it.each([
    { name: "finds nothing in prose", text: "Just do it.", blocks: [] },
    { name: "takes a ```diff block", text: lines("Intro", "```diff", "-a", "+b", "```", "Outro"), blocks: ["-a\n+b"] },
    { name: "takes a ```patch block and ignores the case of the language", text: lines("```PATCH", "x", "```"), blocks: ["x"] },
    { name: "takes a ~~~diff block", text: lines("~~~diff", "x", "~~~"), blocks: ["x"] },
    { name: "ignores blocks in other languages", text: lines("```ts", "--- a/x", "```", "```", "plain", "```"), blocks: [] },
    { name: "keeps blocks in order", text: lines("```diff", "one", "```", "```js", "skip", "```", "```diff", "two", "```"), blocks: ["one", "two"] },
    {
      name: "lets a longer fence hold a line of three backticks",
      text: lines("````diff", " ```", "-old", "````"),
      blocks: [" ```\n-old"],
    },
    { name: "does not close on a fence of the other character", text: lines("```diff", "~~~", "x", "```"), blocks: ["~~~\nx"] },
    { name: "does not close on a fence followed by text", text: lines("```diff", "```js", "x", "```"), blocks: ["```js\nx"] },
    { name: "accepts an info string after the language", text: lines("```diff title=fix", "x", "```"), blocks: ["x"] },
    { name: "runs an unclosed block to the end, as markdown renders it", text: lines("```diff", "x", "y"), blocks: ["x\ny"] },
    { name: "accepts up to three spaces of indentation", text: lines("   ```diff", "x", "   ```"), blocks: ["x"] },
  ])("$name", ({ text, blocks }) => {
    const found = extractDiffBlocks(text);
    expect(found.map((b) => b.text)).toEqual(blocks);
    expect(found.map((b) => b.index)).toEqual(blocks.map((_, i) => i + 1));
  });
});

/** The reader as it was, with its one-piece opening pattern: the oracle for what the linear version must keep doing. */
function referenceBlocks(markdown: string): string[] {
  const opening = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
  const closing = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
  const blocks: string[] = [];
  let open: { fence: string; isDiff: boolean; lines: string[] } | undefined;
  for (const line of markdown.split("\n")) {
    if (open === undefined) {
      const match = opening.exec(line);
      if (match !== null) open = { fence: match[1] ?? "```", isDiff: ["diff", "patch"].includes((match[2] ?? "").toLowerCase()), lines: [] };
      continue;
    }
    const run = closing.exec(line)?.[1];
    if (run !== undefined && run[0] === open.fence[0] && run.length >= open.fence.length) {
      if (open.isDiff) blocks.push(open.lines.join("\n"));
      open = undefined;
      continue;
    }
    open.lines.push(line);
  }
  if (open?.isDiff === true) blocks.push(open.lines.join("\n"));
  return blocks;
}

/** Markdown made of the pieces fences are built from, so openings, closings and near misses are common. */
const fenceishMarkdown = fc
  .array(fc.constantFrom("```", "~~~", "````", "`", "~", " ", "\t", "\r", "diff", "PATCH", "js", "-", "@@", "x", "\n", "\n"), {
    maxLength: 60,
  })
  .map((pieces) => pieces.join(""));

describe("extractDiffBlocks on hostile text", () => {
  it("reads fences exactly as the old pattern did", () => {
    fc.assert(
      fc.property(fenceishMarkdown, (markdown) => {
        expect(extractDiffBlocks(markdown).map((b) => b.text)).toEqual(referenceBlocks(markdown));
      }),
      { numRuns: 2_000 },
    );
  });

  // Each of these made the old opening pattern backtrack quadratically: about 8 s for 100,000 characters.
  it.each([
    { name: "spaces", fill: " " },
    { name: "tabs", fill: "\t" },
    { name: "letters", fill: "a" },
    { name: "dashes", fill: "-" },
    { name: "hunk markers", fill: "@@" },
    { name: "spaced words", fill: " diff" },
  ])("reads a 200,000-character fence line of $name ending in a backtick in one pass", ({ fill }) => {
    const long = fill.repeat(Math.ceil(200_000 / fill.length));
    const markdown = lines("```" + long + "`", "~~~" + long + "`", "```diff", long, "```" + long + "x", "```");
    // The first two lines open nothing (a backtick follows the fence), and text after a fence does not close one.
    expect(extractDiffBlocks(markdown).map((b) => b.text)).toEqual([`${long}\n\`\`\`${long}x`]);
  });

  it("reads a 200,000-character line of backticks as an opening fence that nothing closes", () => {
    const markdown = lines("`".repeat(200_000), "```diff", "```");
    expect(extractDiffBlocks(markdown)).toEqual([]);
  });
});
