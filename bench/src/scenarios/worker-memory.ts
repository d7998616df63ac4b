import type { Fleet } from "../harness/fleet.js";
import { runBatch } from "../harness/run-batch.js";
import { sleep } from "@agent-runner/core";
import { parseExposition, sampleValue } from "@agent-runner/test-kit";
import type { BenchContext, ScenarioOutcome } from "../scenario.js";
import { mean, round, slope } from "../stats.js";

export interface Sample {
  readonly at: number;
  readonly completed: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

const MB = 1024 * 1024;

/** Scrapes the worker's /metrics until aborted. Missed scrapes (a busy process) are skipped, not fatal. */
async function sampleMemory(fleet: Fleet, everyMs: number, signal: AbortSignal): Promise<Sample[]> {
  const samples: Sample[] = [];
  const worker = fleet.workers[0];
  if (worker === undefined) throw new Error("no worker to sample");
  while (!signal.aborted) {
    try {
      const metrics = parseExposition(await worker.metrics());
      samples.push({
        at: Date.now(),
        completed: sampleValue(metrics, "agent_runner_jobs_total", { outcome: "completed" }) ?? 0,
        rssBytes: sampleValue(metrics, "process_resident_memory_bytes") ?? Number.NaN,
        heapUsedBytes: sampleValue(metrics, "nodejs_heap_size_used_bytes") ?? Number.NaN,
      });
    } catch {
      // the next round will do
    }
    await sleep(everyMs);
  }
  return samples;
}

/**
 * Mean of the samples taken while the completed count was within [from, to].
 * A fast batch can finish a band between two scrapes: then the samples
 * nearest to the band (by completed count) stand for it.
 */
export function meanWithin(samples: readonly Sample[], from: number, to: number, pick: (s: Sample) => number): number {
  if (samples.length === 0) throw new Error("no memory sample at all");
  const window = samples.filter((s) => s.completed >= from && s.completed <= to);
  if (window.length > 0) return mean(window.map(pick));
  const distance = (s: Sample): number => (s.completed < from ? from - s.completed : s.completed - to);
  const nearest = Math.min(...samples.map(distance));
  return mean(samples.filter((s) => distance(s) === nearest).map(pick));
}

/**
 * One worker process through a long batch, its RSS sampled from /metrics:
 * growth from the end of warm-up (first tenth of the tasks) to the last tenth.
 */
export async function workerMemory(ctx: BenchContext): Promise<ScenarioOutcome> {
  const size = ctx.sizes.memory;
  ctx.progress(`${size.tasks} tasks, 1 worker × ${size.concurrency}, RSS sampled every ${size.sampleMs} ms`);
  const batch = await runBatch(
    {
      scenario: "memory",
      tasks: size.tasks,
      targets: size.targets,
      workers: 1,
      concurrency: size.concurrency,
      pollIntervalSeconds: 5,
      latencyMs: size.latencyMs,
      redis: ctx.redis,
      during: (fleet, signal) => sampleMemory(fleet, size.sampleMs, signal),
    },
    3_600_000,
  );
  const samples = batch.duringResult as Sample[];
  const warm = Math.max(5, Math.round(size.tasks / 10));
  const tail = size.tasks - Math.max(5, Math.round(size.tasks / 10));
  const band = Math.max(2, Math.round(size.tasks / 20));
  const rssWarm = meanWithin(samples, warm, warm + band, (s) => s.rssBytes);
  const rssEnd = meanWithin(samples, tail, size.tasks, (s) => s.rssBytes);
  const heapWarm = meanWithin(samples, warm, warm + band, (s) => s.heapUsedBytes);
  const heapEnd = meanWithin(samples, tail, size.tasks, (s) => s.heapUsedBytes);
  const peak = Math.max(...samples.map((s) => s.rssBytes));
  const steady = samples.filter((s) => s.completed >= warm).map((s) => [s.completed, s.rssBytes] as const);
  const perTask = steady.length >= 2 && new Set(steady.map(([x]) => x)).size >= 2 ? slope(steady) : Number.NaN;
  return {
    figures: [
      {
        id: "worker-rss-growth",
        label: `Worker RSS growth after warm-up, over ${size.tasks} tasks`,
        value: round((rssEnd - rssWarm) / MB, 1),
        unit: "MB",
        target: { op: "<=", value: 50 },
        note: `RSS ${round(rssWarm / MB, 0)} MB after ${warm} tasks → ${round(rssEnd / MB, 0)} MB over the last ${size.tasks - tail} (peak ${round(peak / MB, 0)} MB; trend ${round(perTask / 1024, 1)} KiB per task); JS heap ${round(heapWarm / MB, 0)} → ${round(heapEnd / MB, 0)} MB. 1 worker × ${size.concurrency}, no recycling.`,
      },
    ],
    details: {
      tasks: size.tasks,
      concurrency: size.concurrency,
      warmupTasks: warm,
      rssWarmBytes: rssWarm,
      rssEndBytes: rssEnd,
      rssPeakBytes: peak,
      heapWarmBytes: heapWarm,
      heapEndBytes: heapEnd,
      rssBytesPerTask: perTask,
      samples,
    },
  };
}
