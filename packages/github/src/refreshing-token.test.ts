import { describe, expect, it } from "vitest";
import { RefreshingToken, type ExpiringToken } from "./refreshing-token.js";

const MINUTE = 60_000;

/** A fake clock and a mint that hands out numbered tokens living `lifetimeMs`. */
function setUp(lifetimeMs = 60 * MINUTE) {
  let now = 1_000_000;
  const minted: string[] = [];
  const learned: string[] = [];
  const token = new RefreshingToken({
    now: () => now,
    mint: async (): Promise<ExpiringToken> => {
      const next = `ghs_token${minted.length + 1}`;
      minted.push(next);
      return { token: next, expiresAt: now + lifetimeMs };
    },
    onToken: (t) => learned.push(t),
  });
  return { token, minted, learned, advance: (ms: number) => (now += ms) };
}

describe("RefreshingToken", () => {
  it("keeps using a token until five minutes before it expires, then mints the next one", async () => {
    const { token, minted, advance } = setUp();
    expect(await token.get()).toBe("ghs_token1");
    advance(54 * MINUTE);
    expect(await token.get()).toBe("ghs_token1");
    advance(1 * MINUTE);
    expect(await token.get()).toBe("ghs_token2");
    expect(minted).toEqual(["ghs_token1", "ghs_token2"]);
  });

  it("tells the scrubbers about every token before handing it out", async () => {
    const { token, learned, advance } = setUp();
    await token.get();
    advance(60 * MINUTE);
    const second = await token.get();
    expect(learned).toEqual(["ghs_token1", second]);
  });

  it("mints once for callers that ask at the same time", async () => {
    const { token, minted } = setUp();
    const all = await Promise.all([token.get(), token.get(), token.get()]);
    expect(all).toEqual(["ghs_token1", "ghs_token1", "ghs_token1"]);
    expect(minted).toHaveLength(1);
  });

  it("renews a token shorter-lived than the margin at half its life, not on every call", async () => {
    const { token, minted, advance } = setUp(4_000);
    await token.get();
    advance(1_900);
    expect(await token.get()).toBe("ghs_token1");
    advance(200);
    expect(await token.get()).toBe("ghs_token2");
    expect(minted).toHaveLength(2);
  });

  it("tries again on the next call after a failed mint", async () => {
    let fail = true;
    const token = new RefreshingToken({
      mint: async () => {
        if (fail) throw new Error("GitHub is down");
        return { token: "ghs_late", expiresAt: Date.now() + 60 * MINUTE };
      },
    });
    await expect(token.get()).rejects.toThrow("GitHub is down");
    fail = false;
    expect(await token.get()).toBe("ghs_late");
  });
});
