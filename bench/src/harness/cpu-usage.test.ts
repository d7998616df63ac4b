import { describe, expect, it } from "vitest";
import { parseProcStat, processCpu } from "./cpu-usage.js";

describe("reading CPU time from /proc", () => {
  it("reads own and children's user+system ticks even when the command name has spaces and parentheses", () => {
    const line = "4242 (node (worker) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 30 20 20 0 11 0 12345 1000 200 18446744073709551615";
    expect(parseProcStat(line)).toEqual({ own: 3, children: 0.5 });
  });

  it("reads this process's own counters on Linux and says undefined for a process that does not exist", () => {
    if (process.platform === "linux") expect(processCpu("self")?.own).toBeGreaterThanOrEqual(0);
    expect(processCpu(2 ** 30)).toBeUndefined();
  });
});
