import { randomUUID } from "node:crypto";
import { jobIdForTask, sleep } from "@agent-runner/core";
import { freePort, waitFor } from "@agent-runner/test-kit";
import { createRepos, createTaskIssue, startBenchSandbox, type TaskIssue } from "../harness/bench-sandbox.js";
import { CleanupStack } from "../harness/cleanup-stack.js";
import { Fleet } from "../harness/fleet.js";
import { openQueue } from "../harness/task-queue.js";
import { GITHUB_LATENCY_MS, type BenchContext, type ScenarioOutcome } from "../scenario.js";
import { percentile, round } from "../stats.js";

/**
 * Trigger latency with the sandbox's signed webhooks delivered to the poller (issues opened at
 * random moments, issue created → job enqueued), then the receiver unreachable for a while:
 * the issues opened meanwhile must still become jobs, found by polling.
 */
export async function webhookTrigger(ctx: BenchContext): Promise<ScenarioOutcome> {
  const size = ctx.sizes.webhooks;
  const cleanup = new CleanupStack();
  try {
    const sandbox = await startBenchSandbox(cleanup, GITHUB_LATENCY_MS);
    const dispatch = "dispatch";
    const [target] = await createRepos(sandbox, dispatch, 1);
    const secret = randomUUID();
    const port = await freePort();
    const fleet = await Fleet.start({
      scenario: "webhooks",
      sandbox,
      dispatch,
      workers: 0,
      concurrency: 1,
      pollIntervalSeconds: size.pollIntervalSeconds,
      redis: ctx.redis,
      cleanup,
      extraEnv: { GITHUB_WEBHOOK_SECRET: secret, WEBHOOK_PORT: String(port), WEBHOOK_POLL_INTERVAL_SECONDS: String(size.webhookPollIntervalSeconds) },
    });
    const queue = openQueue(ctx.redis, fleet.prefix);
    cleanup.defer("close the queue", () => queue.close());
    const url = `http://127.0.0.1:${port}/webhooks/github`;
    sandbox.admin.setWebhook({ url, secret });
    cleanup.defer("remove the webhook", () => sandbox.admin.setWebhook(null));
    await sleep(1_000);
    const latenciesOf = (issues: readonly TaskIssue[], timeoutMs: number) =>
      waitFor(
        async () => {
          const jobs = await Promise.all(issues.map((i) => queue.getJob(jobIdForTask(i.taskId))));
          if (jobs.some((j) => j === undefined || j === null)) return undefined;
          return jobs.map((job, n) => ((job?.timestamp ?? 0) - (issues[n]?.createdAt ?? 0)) / 1000);
        },
        timeoutMs,
        "every issue's job",
        { intervalMs: 100, abortIf: () => fleet.assertAlive() },
      );

    ctx.progress(`${size.issues} issues over ${size.spanSeconds} s, webhooks on, poll every ${size.pollIntervalSeconds} s`);
    const issues = await openAtRandom(sandbox, dispatch, target as string, size.issues, size.spanSeconds);
    const latencies = await latenciesOf(issues, 30_000);

    ctx.progress(`receiver unreachable for ${size.downSeconds} s, ${size.downIssues} issues meanwhile`);
    sandbox.admin.setWebhook({ url: "http://127.0.0.1:1/webhooks/github", secret });
    const missed = await openAtRandom(sandbox, dispatch, target as string, size.downIssues, size.downSeconds);
    sandbox.admin.setWebhook({ url, secret });
    const patienceMs = (size.webhookPollIntervalSeconds + size.pollIntervalSeconds * 2) * 1000 + 30_000;
    const found = await latenciesOf(missed, patienceMs).catch(() => undefined);
    const lost = found === undefined ? await countMissing(queue, missed) : 0;
    // Polling found them if no delivery about them ever reached the receiver.
    const numbers = new Set(missed.map((i) => i.number));
    const delivered = sandbox.admin.deliveries().filter((d) => numbers.has(d.issueNumber) && d.status !== "error").length;
    return {
      figures: [
        {
          id: "webhook-trigger-latency-p95",
          label: `Trigger latency with webhooks, p95 (polling every ${size.pollIntervalSeconds} s as well)`,
          value: round(percentile(latencies, 0.95), 2),
          unit: "s",
          target: { op: "<=", value: 1 },
          baseline: "28.3 s (polling every 30 s)",
          note: `${size.issues} issues at random moments; p50 ${round(percentile(latencies, 0.5), 2)} s; ${GITHUB_LATENCY_MS} ms per GitHub call.`,
        },
        {
          id: "webhook-down-tasks-lost",
          label: `Tasks lost while the receiver is unreachable for ${size.downSeconds} s`,
          value: lost,
          unit: "tasks",
          target: { op: "<=", value: 0 },
          note:
            found === undefined
              ? `${lost} of ${size.downIssues} never enqueued within ${patienceMs / 1000} s.`
              : `${size.downIssues} issues, ${delivered} of their deliveries received, every one enqueued, the slowest after ${round(Math.max(...found), 1)} s (poll every ${size.webhookPollIntervalSeconds} s while deliveries arrive, ${size.pollIntervalSeconds} s otherwise).`,
        },
      ],
      details: { latenciesSeconds: latencies, downLatenciesSeconds: found, deliveredWhileDown: delivered, deliveries: sandbox.admin.deliveries().length },
    };
  } finally {
    await cleanup.run();
  }
}

async function openAtRandom(sandbox: Parameters<typeof createTaskIssue>[0], dispatch: string, target: string, count: number, spanSeconds: number): Promise<TaskIssue[]> {
  const offsets = Array.from({ length: count }, () => Math.random() * spanSeconds * 1000).sort((a, b) => a - b);
  const start = Date.now();
  const issues: TaskIssue[] = [];
  for (const offset of offsets) {
    await sleep(Math.max(0, start + offset - Date.now()));
    issues.push(createTaskIssue(sandbox, dispatch, target));
  }
  return issues;
}

async function countMissing(queue: ReturnType<typeof openQueue>, issues: readonly TaskIssue[]): Promise<number> {
  const jobs = await Promise.all(issues.map((i) => queue.getJob(jobIdForTask(i.taskId))));
  return jobs.filter((j) => j === undefined || j === null).length;
}
