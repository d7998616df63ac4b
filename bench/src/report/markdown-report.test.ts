import { describe, expect, it } from "vitest";
import type { ScenarioResult } from "../figure.js";
import type { MachineInfo } from "../machine-info.js";
import { formatNumber, formatValue, renderReport, renderTable } from "./markdown-report.js";

const machine: MachineInfo = {
  cpuModel: "Test CPU",
  cores: 2,
  memoryGiB: 8,
  os: "Linux 6 x64",
  node: "v20.0.0",
  git: "2.39.5",
  redis: "7.0.0",
  loadAtStart: 0.5,
};

const economy: ScenarioResult = {
  name: "api-economy",
  seconds: 12,
  details: {},
  figures: [
    { id: "calls", label: "API calls per task", value: 4.4, unit: "calls", target: { op: "<=", value: 4 }, baseline: "8", note: "the PR look-up | costs one" },
    { id: "idle", label: "Idle poll", value: 0, unit: "calls", target: { op: "<=", value: 0 }, baseline: "2" },
    { id: "info", label: "Git requests per task", value: 5, unit: "" },
  ],
};

describe("the markdown table", () => {
  it("has one row per figure with value, baseline, target and verdict", () => {
    const lines = renderTable([economy]).split("\n");
    expect(lines).toHaveLength(2 + 3);
    expect(lines[2]).toBe("| API calls per task | 4.4 calls | 8 | ≤ 4 calls | ❌ missed (+10 %) |");
    expect(lines[3]).toBe("| Idle poll | 0 calls | 2 | ≤ 0 calls | ✅ met |");
    expect(lines[4]).toBe("| Git requests per task | 5 |  |  | — |");
  });

  it("shows a scenario that failed to run as one failed row", () => {
    const failed: ScenarioResult = { name: "clone-cost", seconds: 1, details: {}, figures: [], error: "git exploded" };
    expect(renderTable([failed]).split("\n")[2]).toBe("| clone-cost | failed to run | | | ❌ |");
  });

  it("puts the machine, the notes (pipes escaped nowhere else) and failures in the report", () => {
    const failed: ScenarioResult = { name: "clone-cost", seconds: 1, details: {}, figures: [], error: "git exploded\nstack" };
    const text = renderReport({ startedAt: "2025-01-01T00:00:00Z", mode: "quick", machine, scenarios: [economy, failed], seconds: 61.2 });
    expect(text).toContain("### Benchmark (quick) — 2025-01-01T00:00:00Z");
    expect(text).toContain("Machine: Test CPU, 2 cores, 8 GiB RAM");
    expect(text).toContain("- **API calls per task**: the PR look-up | costs one");
    expect(text).toContain("- **clone-cost** failed: git exploded");
    expect(text).not.toContain("stack");
  });
});

describe("number formatting", () => {
  it("keeps about three significant digits", () => {
    expect(formatNumber(1234.56)).toBe("1,235");
    expect(formatNumber(12.345)).toBe("12.3");
    expect(formatNumber(1.23456)).toBe("1.23");
  });

  it("writes ratios with ×, percentages with a space and missing values as a dash", () => {
    expect(formatValue(8.5, "×")).toBe("8.5×");
    expect(formatValue(95, "%")).toBe("95 %");
    expect(formatValue(null, "s")).toBe("—");
  });
});
