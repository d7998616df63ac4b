import { describe, expect, it } from "vitest";
import { parseCliArgs, SCENARIO_NAMES, UsageError } from "./cli-args.js";

describe("the bench command line", () => {
  it("runs every scenario at full size into the default directory when given nothing", () => {
    expect(parseCliArgs([], "bench/results")).toEqual({ quick: false, only: [...SCENARIO_NAMES], outDir: "bench/results" });
  });

  it("accepts --quick, --only in either form and --out", () => {
    const args = parseCliArgs(["--quick", "--only", "clone-cost,api-economy", "--out=/tmp/r"], "d");
    expect(args).toEqual({ quick: true, only: ["api-economy", "clone-cost"], outDir: "/tmp/r" });
  });

  it("ignores the -- separator pnpm passes through", () => {
    expect(parseCliArgs(["--", "--quick"], "d").quick).toBe(true);
  });

  it("refuses unknown scenarios, unknown flags and a missing value", () => {
    expect(() => parseCliArgs(["--only", "warp-speed"], "d")).toThrow(UsageError);
    expect(() => parseCliArgs(["--fast"], "d")).toThrow(/unknown argument/);
    expect(() => parseCliArgs(["--out"], "d")).toThrow(/needs a value/);
  });
});
