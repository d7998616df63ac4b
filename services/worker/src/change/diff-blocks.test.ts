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
