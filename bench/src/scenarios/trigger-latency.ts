import { createRepos, createTaskIssue, startBenchSandbox, type TaskIssue } from "../harness/bench-sandbox.js";
import { CleanupStack } from "../harness/cleanup-stack.js";
import { Fleet } from "../harness/fleet.js";
import { openQueue } from "../harness/task-queue.js";
import { jobIdForTask, sleep } from "@agent-runner/core";
import { waitFor } from "@agent-runner/test-kit";
import { GITHUB_LATENCY_MS, type BenchContext, type ScenarioOutcome } from "../scenario.js";
import { percentile, round } from "../stats.js";

/**
 * Issues opened at random moments while the poller polls at its interval:
 * how long from "labelled issue exists" to "job in the queue" (the job's
 * BullMQ timestamp), p50 and p95.
 */
export async function triggerLatency(ctx: BenchContext): Promise<ScenarioOutcome> {
  const size = ctx.sizes.trigger;
  const cleanup = new CleanupStack();
  try {
    const sandbox = await startBenchSandbox(cleanup, GITHUB_LATENCY_MS);
    const dispatch = "dispatch";
    const [target] = await createRepos(sandbox, dispatch, 1);
    const fleet = await Fleet.start({ scenario: "trigger", sandbox, dispatch, workers: 0, concurrency: 1, pollIntervalSeconds: size.pollIntervalSeconds, redis: ctx.redis, cleanup });
    const queue = openQueue(ctx.redis, fleet.prefix);
    cleanup.defer("close the queue", () => queue.close());
    // Let the first (empty) poll pass, so the issues meet the loop in its steady rhythm.
    await sleep(1_000);
    ctx.progress(`${size.issues} issues at random moments over ${size.spanSeconds} s, poll every ${size.pollIntervalSeconds} s`);
    const offsets = Array.from({ length: size.issues }, () => Math.random() * size.spanSeconds * 1000).sort((a, b) => a - b);
    const start = Date.now();
    const issues: TaskIssue[] = [];
    for (const offset of offsets) {
      await sleep(Math.max(0, start + offset - Date.now()));
      issues.push(createTaskIssue(sandbox, dispatch, target as string));
    }
    const latencies = await waitFor(
      async () => {
        const jobs = await Promise.all(issues.map((i) => queue.getJob(jobIdForTask(i.taskId))));
        if (jobs.some((j) => j === undefined || j === null)) return undefined;
        return jobs.map((job, n) => ((job?.timestamp ?? 0) - (issues[n]?.createdAt ?? 0)) / 1000);
      },
      size.pollIntervalSeconds * 3_000 + 60_000,
      "every issue's job",
      { intervalMs: 500, abortIf: () => fleet.assertAlive() },
    );
    return {
      figures: [
        {
          id: "trigger-latency-p50",
          label: `Trigger latency (issue labelled → job enqueued), p50, polling every ${size.pollIntervalSeconds} s`,
          value: round(percentile(latencies, 0.5), 2),
          unit: "s",
          note: `${size.issues} issues at uniformly random moments; with polling, the expected wait is about half the interval plus one listing (${GITHUB_LATENCY_MS} ms latency per call).`,
        },
        {
          id: "trigger-latency-p95",
          label: `Trigger latency, p95, polling every ${size.pollIntervalSeconds} s`,
          value: round(percentile(latencies, 0.95), 2),
          unit: "s",
        },
      ],
      details: { pollIntervalSeconds: size.pollIntervalSeconds, latenciesSeconds: latencies, max: Math.max(...latencies) },
    };
  } finally {
    await cleanup.run();
  }
}
