import { describe, expect, it } from "vitest";
import { StaticTokenSource } from "./static-token-source.js";

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "StaticSourceToken0123456789abcdef"].join("_");

describe("StaticTokenSource", () => {
  it("hands out its token and names its identity by a hash that does not contain it", async () => {
    const source = new StaticTokenSource(TOKEN);
    expect(await source.token()).toBe(TOKEN);
    expect(source.identityKey).toMatch(/^token:[0-9a-f]{16}$/);
    expect(source.identityKey).not.toContain(TOKEN.slice(4, 12));
  });

  it("gives two tokens two identities, so each keeps its own write budget", () => {
    expect(new StaticTokenSource(TOKEN).identityKey).not.toBe(new StaticTokenSource(`${TOKEN}x`).identityKey);
  });
});
