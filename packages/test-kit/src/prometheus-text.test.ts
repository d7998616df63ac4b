import { describe, expect, it } from "vitest";
import { findSamples, parseExposition, sampleValue } from "./prometheus-text.js";

const TEXT = `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes{service="worker"} 123456789
agent_runner_jobs_total{outcome="completed",service="worker"} 41
agent_runner_jobs_total{outcome="failed",service="worker"} 2
agent_runner_jobs_total_extra{outcome="completed"} 1000
agent_runner_step_duration_seconds_sum{step="clone",service="worker"} 3.5
agent_runner_info{note="a \\"quoted\\" value\\nover two lines"} 1 -1700000000000
up 1
`;

describe("reading samples from the Prometheus exposition text", () => {
  const samples = parseExposition(TEXT);

  it("reads a gauge and skips the comments", () => {
    expect(sampleValue(samples, "process_resident_memory_bytes")).toBe(123456789);
    expect(samples).toHaveLength(7);
  });

  it("sums the series whose labels match and ignores metrics that only share a prefix", () => {
    expect(sampleValue(samples, "agent_runner_jobs_total")).toBe(43);
    expect(sampleValue(samples, "agent_runner_jobs_total", { outcome: "completed" })).toBe(41);
    expect(findSamples(samples, "agent_runner_jobs_total")).toHaveLength(2);
  });

  it("says undefined for a series that is not there, which is not a zero", () => {
    expect(sampleValue(samples, "agent_runner_step_duration_seconds_sum", { step: "push" })).toBeUndefined();
    expect(sampleValue(samples, "nope")).toBeUndefined();
  });

  it("reads a sample without labels, and one with escaped label text and a timestamp", () => {
    expect(sampleValue(samples, "up")).toBe(1);
    expect(findSamples(samples, "agent_runner_info")).toEqual([{ name: "agent_runner_info", labels: { note: 'a "quoted" value\nover two lines' }, value: 1 }]);
  });

  it("refuses a line that is no sample rather than misreading it", () => {
    expect(() => parseExposition("agent_runner_jobs_total{outcome=\"completed\"}\n")).toThrow("unparseable exposition line");
  });
});
