import { describe, expect, it } from "vitest";
import { SecondaryRateLimit } from "./secondary-rate-limit.js";

describe("SecondaryRateLimit", () => {
  it("admits everything until configured", () => {
    const limit = new SecondaryRateLimit();
    for (let i = 0; i < 100; i += 1) expect(limit.admit("a")).toBeUndefined();
  });

  it("refuses writes over N per sliding window with a retry-after, and counts hits", () => {
    let now = 0;
    const limit = new SecondaryRateLimit(() => now);
    limit.configure({ writes: 2, windowSeconds: 10, retryAfterSeconds: 7 });
    expect(limit.admit("a")).toBeUndefined();
    now = 5_000;
    expect(limit.admit("a")).toBeUndefined();
    expect(limit.admit("a")).toBe(7);
    expect(limit.admit("b")).toBeUndefined();
    now = 10_001;
    expect(limit.admit("a")).toBeUndefined();
    expect(limit.hits()).toBe(1);
  });

  it("answers retry-after with the window length by default", () => {
    const limit = new SecondaryRateLimit(() => 0);
    limit.configure({ writes: 0, windowSeconds: 60 });
    expect(limit.admit("a")).toBe(60);
  });
});
