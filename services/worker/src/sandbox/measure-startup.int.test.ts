import { describe, expect, it } from "vitest";
import { BubblewrapSandbox } from "./bubblewrap-sandbox.js";
import { measureSandboxStartup } from "./measure-startup.js";

describe("measureSandboxStartup", () => {
  it("measures what bubblewrap adds to starting /bin/true", async () => {
    const cost = await measureSandboxStartup(new BubblewrapSandbox(), 30);
    console.log(
      `sandbox start-up over ${cost.runs} runs: bubblewrap ${cost.sandboxedMedianMs.toFixed(1)} ms, ` +
        `unsandboxed ${cost.unsandboxedMedianMs.toFixed(1)} ms, overhead ${cost.overheadMs.toFixed(1)} ms (median)`,
    );

    expect(cost.runs).toBe(30);
    expect(cost.sandboxedMedianMs).toBeGreaterThan(0);
    expect(cost.unsandboxedMedianMs).toBeGreaterThan(0);
    // The target is < 100 ms; the bound here only catches a broken measurement on a busy CI machine.
    expect(cost.overheadMs).toBeLessThan(1_000);
  });
});
