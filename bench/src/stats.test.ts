import { describe, expect, it } from "vitest";
import { mean, median, percentile, perMinute, round, slope } from "./stats.js";

describe("percentile", () => {
  it("interpolates linearly between the closest ranks", () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 0.95)).toBeCloseTo(48);
  });

  it("returns the extremes at q = 0 and q = 1 whatever the input order", () => {
    expect(percentile([5, 1, 9, 3], 0)).toBe(1);
    expect(percentile([5, 1, 9, 3], 1)).toBe(9);
  });

  it("returns the only value of a single sample for every quantile", () => {
    expect(percentile([7], 0.95)).toBe(7);
  });

  it("refuses an empty sample and a quantile outside [0, 1]", () => {
    expect(() => percentile([], 0.5)).toThrow(/no values/);
    expect(() => percentile([1], 1.5)).toThrow(/quantile/);
  });

  it("does not reorder the caller's array", () => {
    const values = [3, 1, 2];
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe("summaries", () => {
  it("computes the median of an odd sample and the mean", () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(mean([1, 2, 3, 6])).toBe(3);
  });

  it("finds the least-squares slope of a noisy line", () => {
    expect(slope([[0, 1], [1, 3.1], [2, 4.9], [3, 7]])).toBeCloseTo(1.98, 2);
  });

  it("refuses a slope when every point has the same x", () => {
    expect(() => slope([[1, 1], [1, 2]])).toThrow(/share one x/);
  });

  it("turns a count over milliseconds into a per-minute rate", () => {
    expect(perMinute(30, 15_000)).toBe(120);
    expect(() => perMinute(1, 0)).toThrow(/non-positive/);
  });

  it("rounds to the requested number of decimals", () => {
    expect(round(3.14159, 2)).toBe(3.14);
    expect(round(2.5, 0)).toBe(3);
  });
});
