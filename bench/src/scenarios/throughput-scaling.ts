import os from "node:os";
import { runBatch } from "../harness/run-batch.js";
import type { Figure } from "../figure.js";
import { GITHUB_LATENCY_MS, type BenchContext, type ScenarioOutcome } from "../scenario.js";
import { perMinute, round } from "../stats.js";

interface ConfigResult {
  readonly workers: number;
  readonly concurrency: number;
  readonly tasksPerMinute: number;
  readonly seconds: number;
  readonly callsPerTask: number;
  readonly gitRequestsPerTask: number;
  /** CPU milliseconds per task by consumer (Linux). */
  readonly cpuMsPerTask: Record<string, number> | undefined;
}

/**
 * Tasks per minute for each worker layout on the same batch, from the
 * poller's first listing to the last processed label, every worker a process
 * of its own.
 */
export async function throughputScaling(ctx: BenchContext): Promise<ScenarioOutcome> {
  const size = ctx.sizes.throughput;
  const results: ConfigResult[] = [];
  for (const config of size.configs) {
    ctx.progress(`${size.tasks} tasks on ${config.workers} worker(s) × ${config.concurrency}`);
    const batch = await runBatch(
      {
        scenario: "throughput",
        tasks: size.tasks,
        targets: size.targets,
        workers: config.workers,
        concurrency: config.concurrency,
        pollIntervalSeconds: size.pollIntervalSeconds,
        latencyMs: GITHUB_LATENCY_MS,
        redis: ctx.redis,
      },
      1_800_000,
    );
    const spanMs = (batch.completions[batch.completions.length - 1] ?? 0) - batch.firstPollAt;
    const result = {
      ...config,
      tasksPerMinute: perMinute(size.tasks, spanMs),
      seconds: spanMs / 1000,
      callsPerTask: batch.calls.rateLimited / size.tasks,
      gitRequestsPerTask: batch.calls.git / size.tasks,
      cpuMsPerTask:
        batch.cpu === undefined ? undefined : Object.fromEntries(Object.entries(batch.cpu).map(([k, v]) => [k, round((v * 1000) / size.tasks, 1)])),
    };
    ctx.progress(`${round(result.tasksPerMinute, 1)} tasks/min`);
    results.push(result);
  }
  const base = results.find((r) => r.workers === 1 && r.concurrency === 1);
  const figures: Figure[] = results.map((r) => {
    const slots = r.workers * r.concurrency;
    const efficiency = base === undefined ? undefined : r.tasksPerMinute / base.tasksPerMinute / slots;
    return {
      id: `throughput-${r.workers}x${r.concurrency}`,
      label: `Throughput, ${r.workers} worker${r.workers > 1 ? "s" : ""} × ${r.concurrency}${efficiency === undefined || slots === 1 ? "" : ` (efficiency ${Math.round(efficiency * 100)} %)`}`,
      value: round(r.tasksPerMinute, 1),
      unit: "tasks/min",
      ...(slots === 1 ? { baseline: "one task at a time" } : {}),
    };
  });
  const widest = results.find((r) => r.workers === 4 && r.concurrency === 4);
  const largest = results[results.length - 1];
  figures.push({
    id: "speedup-4x4",
    label: "Speed-up of 4 workers × 4 over 1 × 1",
    value: widest === undefined || base === undefined ? null : round(widest.tasksPerMinute / base.tasksPerMinute, 2),
    unit: "×",
    target: { op: ">=", value: 8 },
    note: [
      widest === undefined
        ? "4 × 4 is not run in --quick mode."
        : `${size.tasks} tasks over ${size.targets} target repos, ${GITHUB_LATENCY_MS} ms per API call, from the first poll to the last processed label.`,
      largest === undefined ? "" : cpuNote(largest),
    ].join(" "),
  });
  return { figures, details: { tasks: size.tasks, targets: size.targets, latencyMs: GITHUB_LATENCY_MS, configs: results } };
}

/**
 * Where the CPU of the widest layout went: on a small machine that also runs
 * GitHub's stand-in, CPU per task bounds throughput however many slots there are.
 */
function cpuNote(r: ConfigResult): string {
  const cpu = r.cpuMsPerTask;
  if (cpu === undefined) return "";
  const total = Object.values(cpu).reduce((sum, v) => sum + v, 0);
  const cores = os.cpus().length;
  const ceiling = (cores * 60_000) / total;
  return (
    `CPU per task at ${r.workers} × ${r.concurrency}: workers ${cpu["workers"]} ms, poller ${cpu["poller"]} ms, sandbox ${cpu["sandbox"]} ms and its git ${cpu["sandboxGit"]} ms, Redis ${cpu["redis"]} ms; ` +
    `${Math.round(total)} ms in all caps ${cores} cores at ${Math.round(ceiling)} tasks/min (${Math.round((r.tasksPerMinute / ceiling) * 100)} % reached).`
  );
}
