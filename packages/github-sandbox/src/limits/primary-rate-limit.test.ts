import { describe, expect, it } from "vitest";
import { PrimaryRateLimit } from "./primary-rate-limit.js";

describe("PrimaryRateLimit", () => {
  it("counts per user and reports GitHub's limit/remaining/used/reset", () => {
    let now = 1_000_000;
    const limit = new PrimaryRateLimit({ limit: 2, windowSeconds: 60 }, () => now);
    expect(limit.consume("a")).toEqual({ limit: 2, used: 1, remaining: 1, reset: 1060 });
    expect(limit.peek("b").remaining).toBe(2);
    limit.consume("a");
    expect(limit.exhausted("a")).toBe(true);
    now += 60_000;
    expect(limit.exhausted("a")).toBe(false);
    expect(limit.peek("a").reset).toBe(1120);
  });

  it("defaults to 5000 per hour answered with 403, and can be reconfigured to 429", () => {
    const limit = new PrimaryRateLimit();
    expect(limit.peek("a").limit).toBe(5000);
    expect(limit.status).toBe(403);
    limit.configure({ limit: 1, status: 429 });
    expect(limit.status).toBe(429);
  });
});
