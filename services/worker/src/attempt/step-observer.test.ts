import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "@agent-runner/runtime";
import { RecordingMetrics } from "./test-support/recording-metrics.js";
import { StepObserver, logListener, metricsListener, type StepEvent } from "./step-observer.js";

function logLines(): { lines: Record<string, unknown>[]; listener: ReturnType<typeof logListener> } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      done();
    },
  });
  return { lines, listener: logListener(createLogger({ level: "info", service: "test", secrets: [], destination })) };
}

describe("StepObserver", () => {
  it("tells every listener that a step finished, and returns the step's result", async () => {
    const events: StepEvent[] = [];
    const observer = new StepObserver([(e) => events.push(e), (e) => events.push(e)]);
    expect(await observer.time("clone", async () => "tree")).toBe("tree");
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ kind: "step", step: "clone", ok: true });
  });

  it("announces a step that threw as not ok and rethrows its error", async () => {
    const events: StepEvent[] = [];
    const observer = new StepObserver([(e) => events.push(e)]);
    await expect(observer.time("push", () => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    expect(events).toMatchObject([{ kind: "step", step: "push", ok: false }]);
  });
});

describe("metricsListener", () => {
  it("records the change step's duration and its outcome by handler from the same event", async () => {
    const metrics = new RecordingMetrics();
    const observer = new StepObserver([metricsListener(metrics, "patch")]);
    await observer.time("change", async () => ({ sha: "abc" }), (r) => r);
    await observer.time("change", async () => ({ sha: undefined }), (r) => r);
    await observer.time("change", () => Promise.reject(new Error("boom"))).catch(() => undefined);
    expect(metrics.records).toEqual([
      "step change",
      "change patch changed",
      "step change",
      "change patch unchanged",
      "step change",
      "change patch failed",
    ]);
  });

  it("counts PR actions and records every step, finished or failed", async () => {
    const metrics = new RecordingMetrics();
    const observer = new StepObserver([metricsListener(metrics, "trace")]);
    observer.pullRequest("created");
    await observer.time("pr", () => Promise.reject(new Error("502"))).catch(() => undefined);
    observer.commented();
    expect(metrics.records).toEqual(["pull created", "step pr"]);
  });
});

describe("logListener", () => {
  it("logs 'step finished' with the step and its seconds, and the change step's commit", async () => {
    const { lines, listener } = logLines();
    const observer = new StepObserver([listener]);
    await observer.time("clone", async () => undefined);
    await observer.time("change", async () => ({ sha: "abc" }), (r) => r);
    await observer.time("change", async () => ({ sha: undefined }), (r) => r);
    expect(lines.map((l) => [l["msg"], l["step"], typeof l["seconds"], l["committed"], l["sha"]])).toEqual([
      ["step finished", "clone", "number", undefined, undefined],
      ["step finished", "change", "number", true, "abc"],
      ["step finished", "change", "number", false, undefined],
    ]);
  });

  it("logs the comment boundary as a step, and nothing for a failed step", async () => {
    const { lines, listener } = logLines();
    const observer = new StepObserver([listener]);
    await observer.time("push", () => Promise.reject(new Error("refused"))).catch(() => undefined);
    observer.commented();
    expect(lines.map((l) => [l["msg"], l["step"]])).toEqual([["step finished", "comment"]]);
  });
});
