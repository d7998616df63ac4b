import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { GitHubApiError } from "@agent-runner/core";
import { BACKOFF_TYPE, MAX_BACKOFF_MS, backoffDelay, defaultJobOptions } from "./job-policy.js";

const rateLimited = (retryAfterSeconds: number): GitHubApiError =>
  new GitHubApiError({ status: 403, message: "rate limited", route: "GET /x", rateLimited: true, retryAfterSeconds });

describe("defaultJobOptions", () => {
  it("uses our back-off strategy with the policy's attempts and delay", () => {
    const options = defaultJobOptions({ attempts: 6, backoffMs: 5_000 });
    expect(options).toMatchObject({ attempts: 6, backoff: { type: BACKOFF_TYPE, delay: 5_000 } });
  });

  it("keeps finished jobs, the duplicate guard, for a month but bounded in number", () => {
    const options = defaultJobOptions({ attempts: 1, backoffMs: 1 });
    const month = { age: 30 * 24 * 3600, count: 50_000 };
    expect(options.removeOnComplete).toEqual(month);
    expect(options.removeOnFail).toEqual(month);
  });
});

describe("backoffDelay", () => {
  it.each([
    [0, 1_000],
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [10, 512_000],
    [11, 600_000],
    [50, 600_000],
    [5_000, 600_000],
  ])("after %i attempts waits %i ms before jitter, doubling up to a ten-minute cap", (attemptsMade, expected) => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    expect(backoffDelay(attemptsMade, 1_000, new Error("x"))).toBe(expected);
  });

  it.each([
    ["a 1 s base", 1_000, 999],
    ["a 200 ms base", 200, 199],
    ["a 1 min base", 60_000, 999],
  ])("adds less than min(base, 1 s) of jitter for %s", (_name, base, maxJitter) => {
    vi.spyOn(Math, "random").mockReturnValue(0.999_999);
    expect(backoffDelay(1, base, undefined)).toBe(base + maxJitter);
  });

  it.each([
    ["a GitHubApiError asking for an hour", rateLimited(3_600), 1, 3_600_000],
    ["a GitHubApiError asking for less than the back-off", rateLimited(1), 4, 8_000],
    ["a plain object with retryAfterSeconds", { retryAfterSeconds: 90 }, 1, 90_000],
    ["a retryAfterSeconds that is not a number", { retryAfterSeconds: "90" }, 1, 1_000],
    ["an error without retryAfterSeconds", new Error("x"), 1, 1_000],
    ["undefined", undefined, 1, 1_000],
    ["null", null, 1, 1_000],
    ["a thrown string", "boom", 1, 1_000],
  ])("honours %s", (_name, error, attemptsMade, expected) => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    expect(backoffDelay(attemptsMade, 1_000, error)).toBe(expected);
  });

  it("never waits less than GitHub asked nor more than the cap plus jitter otherwise", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.option(fc.integer({ min: 0, max: 86_400 })),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attemptsMade, baseMs, retryAfterSeconds, random) => {
          vi.spyOn(Math, "random").mockReturnValue(random);
          const error = retryAfterSeconds === null ? new Error("x") : rateLimited(retryAfterSeconds);
          const delay = backoffDelay(attemptsMade, baseMs, error);
          const exponential = Math.min(baseMs * 2 ** Math.max(attemptsMade - 1, 0), MAX_BACKOFF_MS);
          const asked = (retryAfterSeconds ?? 0) * 1000;
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(asked);
          expect(delay).toBeGreaterThanOrEqual(exponential);
          expect(delay).toBeLessThan(Math.max(exponential + Math.min(baseMs, 1000), asked + 1));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("grows with every attempt until the cap", () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const delays = Array.from({ length: 15 }, (_, i) => backoffDelay(i + 1, 700, undefined));
    for (let i = 1; i < delays.length; i++) {
      const previous = delays[i - 1] ?? 0;
      const current = delays[i] ?? 0;
      expect(current === MAX_BACKOFF_MS || current === 2 * previous).toBe(true);
      expect(current).toBeGreaterThanOrEqual(previous);
    }
    expect(delays.at(-1)).toBe(MAX_BACKOFF_MS);
  });
});
