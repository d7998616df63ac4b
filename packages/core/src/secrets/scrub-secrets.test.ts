import { describe, expect, it } from "vitest";
import { scrubSecrets, scrubText } from "./scrub-secrets.js";

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "Zx9SecretTokenValue0123456789abcd"].join("_");

describe("scrubText", () => {
  it("masks every occurrence of every secret", () => {
    expect(scrubText(`${TOKEN} and ${TOKEN} and hunter22`, [TOKEN, "hunter22"])).toBe(
      "[REDACTED] and [REDACTED] and [REDACTED]",
    );
  });

  it("ignores secrets shorter than four characters, which would mask ordinary text", () => {
    expect(scrubText("a bc def", ["a", "bc", "def", ""])).toBe("a bc def");
  });
});

describe("scrubSecrets", () => {
  it("scrubs strings deep in objects and arrays without touching the input", () => {
    const input = { a: [`x${TOKEN}`, { b: TOKEN }], n: 1, ok: true, nothing: null };
    const out = scrubSecrets(input, [TOKEN]);
    expect(out).toEqual({ a: ["x[REDACTED]", { b: "[REDACTED]" }], n: 1, ok: true, nothing: null });
    expect(input.a[0]).toBe(`x${TOKEN}`);
  });

  it("turns an Error into a plain object with its message, stack, own fields and cause scrubbed", () => {
    const error = Object.assign(new Error(`failed with ${TOKEN}`, { cause: new Error(`because ${TOKEN}`) }), {
      url: `https://${TOKEN}@github.com`,
    });
    const out = scrubSecrets(error, [TOKEN]) as unknown as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toContain(TOKEN);
    expect(out).toMatchObject({
      type: "Error",
      message: "failed with [REDACTED]",
      url: "https://[REDACTED]@github.com",
      cause: { type: "Error", message: "because [REDACTED]" },
    });
    expect(out["stack"]).toMatch(/^Error: failed with \[REDACTED\]/);
  });

  it("tolerates cycles", () => {
    const a: Record<string, unknown> = { secret: TOKEN };
    a["self"] = a;
    const out = scrubSecrets(a, [TOKEN]);
    expect(out["secret"]).toBe("[REDACTED]");
    expect(out["self"]).toBe(out);
  });

  it("returns the value itself when no secret is long enough to scrub", () => {
    const input = { a: "abc" };
    expect(scrubSecrets(input, ["abc"])).toBe(input);
  });
});
