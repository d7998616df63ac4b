import { describe, expect, it } from "vitest";
import { meanWithin, type Sample } from "./worker-memory.js";

const sample = (completed: number, rssBytes: number): Sample => ({ at: 0, completed, rssBytes, heapUsedBytes: 0 });

describe("meanWithin", () => {
  it("averages the samples whose completed count falls in the band", () => {
    const samples = [sample(1, 10), sample(5, 20), sample(6, 40), sample(9, 100)];
    expect(meanWithin(samples, 5, 6, (s) => s.rssBytes)).toBe(30);
  });

  it("falls back to the nearest samples when the batch finished the band between two scrapes", () => {
    const samples = [sample(10, 10), sample(44, 70), sample(44, 90), sample(60, 500)];
    expect(meanWithin(samples, 45, 50, (s) => s.rssBytes)).toBe(80);
  });

  it("refuses to make up a figure without any sample", () => {
    expect(() => meanWithin([], 1, 2, (s) => s.rssBytes)).toThrow("no memory sample");
  });
});
