import { describe, expect, it } from "vitest";
import { judge, shortfallPercent } from "./figure.js";

describe("judging a figure against its target", () => {
  it("meets an upper bound at or below it and misses above", () => {
    expect(judge({ value: 4, target: { op: "<=", value: 4 } })).toBe("met");
    expect(judge({ value: 4.2, target: { op: "<=", value: 4 } })).toBe("missed");
  });

  it("meets a lower bound at or above it and misses below", () => {
    expect(judge({ value: 8, target: { op: ">=", value: 8 } })).toBe("met");
    expect(judge({ value: 7.9, target: { op: ">=", value: 8 } })).toBe("missed");
  });

  it("says n/a without a target or without a value", () => {
    expect(judge({ value: 3 })).toBe("n/a");
    expect(judge({ value: null, target: { op: "<=", value: 4 } })).toBe("n/a");
  });

  it("reports how far a missed figure is from its target and nothing for a met one", () => {
    expect(shortfallPercent({ value: 4.4, target: { op: "<=", value: 4 } })).toBeCloseTo(10);
    expect(shortfallPercent({ value: 6, target: { op: ">=", value: 8 } })).toBeCloseTo(-25);
    expect(shortfallPercent({ value: 3, target: { op: "<=", value: 4 } })).toBeUndefined();
  });
});
