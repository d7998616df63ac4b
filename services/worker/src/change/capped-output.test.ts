import { describe, expect, it } from "vitest";
import { CappedOutput } from "./capped-output.js";

const SECRET = "s3cr3t-value";

function render(chunks: string[], capBytes: number, secrets: string[] = [SECRET]): string {
  const output = new CappedOutput({ capBytes, secrets });
  for (const chunk of chunks) output.push(Buffer.from(chunk));
  return output.render();
}

describe("CappedOutput", () => {
  it.each([
    { name: "keeps output within the cap whole", chunks: ["abc", "def"], cap: 10, text: "abcdef" },
    { name: "keeps the start and the end of longer output", chunks: ["0123456789", "abcdefghij", "ABCDEFGHIJ"], cap: 5, text: "01234\n[... 20 bytes of output omitted ...]\nFGHIJ" },
    { name: "redacts a secret split across chunks", chunks: ["x s3cr", "3t-value y"], cap: 100, text: "x [REDACTED] y" },
    { name: "drops a secret the head cut would split", chunks: ["ab", SECRET, "z".repeat(100)], cap: 6, text: "ab\n[... 106 bytes of output omitted ...]\nzzzzzz" },
    { name: "keeps whole, and redacts, a secret the tail cut would split", chunks: ["y".repeat(100), SECRET, "ab"], cap: 6, text: "yyyyyy\n[... 94 bytes of output omitted ...]\n[REDACTED]ab" },
  ])("$name", ({ chunks, cap, text }) => {
    expect(render(chunks, cap)).toBe(text);
  });

  it("holds a bounded amount however much is pushed", () => {
    const output = new CappedOutput({ capBytes: 1024, secrets: [] });
    for (let i = 0; i < 10_000; i++) output.push(Buffer.from(`line ${i}\n`));

    const text = output.render();

    expect(output.totalBytes).toBeGreaterThan(80_000);
    expect(text.length).toBeLessThan(2 * 1024 + 100);
    expect(text.startsWith("line 0\nline 1\n")).toBe(true);
    expect(text.endsWith("line 9999\n")).toBe(true);
  });
});
