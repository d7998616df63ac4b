import { describe, expect, it } from "vitest";
import { metricValue } from "./prometheus.js";

const TEXT = `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes{service="worker"} 123456789
agent_runner_jobs_total{outcome="completed",service="worker"} 41
agent_runner_jobs_total{outcome="failed",service="worker"} 2
agent_runner_jobs_total_extra{outcome="completed"} 1000
agent_runner_step_duration_seconds_sum{step="clone",service="worker"} 3.5
`;

describe("reading a metric from the exposition text", () => {
  it("reads a gauge", () => {
    expect(metricValue(TEXT, "process_resident_memory_bytes")).toBe(123456789);
  });

  it("sums the series whose labels match and ignores metrics that only share a prefix", () => {
    expect(metricValue(TEXT, "agent_runner_jobs_total")).toBe(43);
    expect(metricValue(TEXT, "agent_runner_jobs_total", { outcome: "completed" })).toBe(41);
  });

  it("says undefined for a series that is not there", () => {
    expect(metricValue(TEXT, "agent_runner_step_duration_seconds_sum", { step: "push" })).toBeUndefined();
    expect(metricValue(TEXT, "nope")).toBeUndefined();
  });
});
