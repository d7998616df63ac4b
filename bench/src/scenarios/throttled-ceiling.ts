import { runBatch } from "../harness/run-batch.js";
import { GITHUB_LATENCY_MS, type BenchContext, type ScenarioOutcome } from "../scenario.js";
import { perMinute, round } from "../stats.js";

/** GitHub's secondary limit on content creation: 80 writes per minute per user. */
const GITHUB_WRITES_PER_MINUTE = 80;

/**
 * With the sandbox enforcing 80 content-creating requests per minute and the
 * fleet budget configured to the same, how close does sustained throughput
 * come to the ceiling that limit allows, and does any request get refused?
 */
export async function throttledCeiling(ctx: BenchContext): Promise<ScenarioOutcome> {
  const size = ctx.sizes.throttled;
  ctx.progress(`${size.tasks} tasks on ${size.workers} workers × ${size.concurrency}, sandbox limit ${GITHUB_WRITES_PER_MINUTE} writes/min`);
  const batch = await runBatch(
    {
      scenario: "throttled",
      tasks: size.tasks,
      targets: size.targets,
      workers: size.workers,
      concurrency: size.concurrency,
      pollIntervalSeconds: 5,
      latencyMs: GITHUB_LATENCY_MS,
      writesPerMinute: size.writesPerMinute,
      redis: ctx.redis,
      prepare: (sandbox) => sandbox.admin.setSecondaryLimit({ writes: GITHUB_WRITES_PER_MINUTE, windowSeconds: 60 }),
    },
    1_800_000,
  );
  const writesPerTask = batch.calls.writes / size.tasks;
  const ceiling = GITHUB_WRITES_PER_MINUTE / writesPerTask;
  // Measured on the writes themselves, from the first to the last: completions alone
  // bunch up at the end of a batch (every open task's last write goes out in a row).
  const sustained = perMinute(batch.writeTimes.length - 1, lastOf(batch.writeTimes) - (batch.writeTimes[0] ?? 0)) / writesPerTask;
  const share = (sustained / ceiling) * 100;
  const endToEnd = perMinute(size.tasks, lastOf(batch.completions) - batch.firstPollAt);
  return {
    figures: [
      {
        id: "throttled-share-of-ceiling",
        label: `Sustained throughput under ${GITHUB_WRITES_PER_MINUTE} writes/min, share of the ceiling`,
        value: round(share, 1),
        unit: "%",
        target: { op: ">=", value: 90 },
        note: `${round(sustained, 1)} tasks/min against a ceiling of ${round(ceiling, 1)} tasks/min (${round(writesPerTask, 2)} writes per task; ${size.tasks} tasks on ${size.workers} workers × ${size.concurrency}, GITHUB_WRITES_PER_MINUTE=${size.writesPerMinute}); ${round(endToEnd, 1)} tasks/min end to end, start-up included.`,
      },
      {
        id: "secondary-limit-responses",
        label: "Secondary-limit responses received",
        value: batch.calls.secondaryLimited,
        unit: "",
        target: { op: "<=", value: 0 },
      },
    ],
    details: {
      tasks: size.tasks,
      workers: size.workers,
      concurrency: size.concurrency,
      writesPerMinuteBudget: size.writesPerMinute,
      sandboxLimit: { writes: GITHUB_WRITES_PER_MINUTE, windowSeconds: 60 },
      writesPerTask,
      ceilingTasksPerMinute: ceiling,
      sustainedTasksPerMinute: sustained,
      endToEndTasksPerMinute: endToEnd,
      writeSpanSeconds: (lastOf(batch.writeTimes) - (batch.writeTimes[0] ?? 0)) / 1000,
      secondaryLimitHits: batch.secondaryLimitHits,
      calls: batch.calls,
    },
  };
}

function lastOf(values: readonly number[]): number {
  const last = values[values.length - 1];
  if (last === undefined) throw new Error("no writes were made");
  return last;
}
