import { createRepos, createTaskIssues, ORG, startBenchSandbox } from "../harness/bench-sandbox.js";
import { CleanupStack } from "../harness/cleanup-stack.js";
import { Fleet } from "../harness/fleet.js";
import { labelledAt, LIST_ISSUES_ROUTE, summarizeCalls } from "../harness/request-log-stats.js";
import { perTaskBreakdown } from "../harness/route-names.js";
import { sleep } from "@agent-runner/core";
import { waitFor } from "@agent-runner/test-kit";
import { GITHUB_LATENCY_MS, type BenchContext, type ScenarioOutcome } from "../scenario.js";
import { round } from "../stats.js";

/**
 * Rate-limited REST calls per task, end to end: N tasks through one worker
 * process and the poller, every request counted from the sandbox's log (the
 * poller's listings included), then the idle polls that follow.
 */
export async function apiEconomy(ctx: BenchContext): Promise<ScenarioOutcome> {
  const size = ctx.sizes.apiEconomy;
  const cleanup = new CleanupStack();
  try {
    const sandbox = await startBenchSandbox(cleanup, GITHUB_LATENCY_MS);
    const dispatch = "dispatch";
    const targets = await createRepos(sandbox, dispatch, size.targets);
    createTaskIssues(sandbox, dispatch, targets, size.tasks);
    const fleet = await Fleet.start({
      scenario: "api-economy",
      sandbox,
      dispatch,
      workers: 1,
      concurrency: size.concurrency,
      pollIntervalSeconds: size.pollIntervalSeconds,
      redis: ctx.redis,
      cleanup,
    });
    ctx.progress(`${size.tasks} tasks, 1 worker × ${size.concurrency}, poll every ${size.pollIntervalSeconds} s`);
    await fleet.waitForProcessed(size.tasks, 600_000);
    const from = fleet.pollerStartedAt ?? 0;
    const lastLabel = Math.max(...labelledAt(sandbox.admin.requestLog(), `/repos/${ORG}/${dispatch}`).values());
    // The run ends with the poll that first sees the last label: the listings the labels cause are part of the cost.
    const settled = await waitFor(
      () => sandbox.admin.requestLog().find((e) => e.route === LIST_ISSUES_ROUTE && e.at > lastLabel && e.status > 0),
      size.pollIntervalSeconds * 3_000 + 30_000,
      "the poll after the last task",
      { intervalMs: 200 },
    );
    await sleep(2_000); // a second page of that listing, if any
    const runEnd = Date.now();
    const run = summarizeCalls(sandbox.admin.requestLog(), from, runEnd);
    const idleMs = size.pollIntervalSeconds * 2_000 + 1_000;
    ctx.progress(`idle for ${idleMs / 1000} s`);
    await sleep(idleMs);
    const idle = summarizeCalls(sandbox.admin.requestLog(), runEnd + 1, Date.now());
    const idlePolls = idle.pollNotModified + idle.pollRateLimited;
    if (idlePolls === 0) throw new Error("no poll happened while idle");
    const perTask = run.rateLimited / size.tasks;
    const breakdown = perTaskBreakdown(run.rateLimitedByRoute, size.tasks);
    return {
      figures: [
        {
          id: "api-calls-per-task",
          label: "Rate-limited API calls per task, end to end (poll share included)",
          value: round(perTask, 2),
          unit: "calls",
          target: { op: "<=", value: 4 },
          baseline: "8 calls",
          note: `${size.tasks} tasks, poll every ${size.pollIntervalSeconds} s: ${breakdown}.`,
        },
        {
          id: "idle-poll-calls",
          label: "Rate-limited API calls per idle poll",
          value: round(idle.rateLimited / idlePolls, 2),
          unit: "calls",
          target: { op: "<=", value: 0 },
          baseline: "2 calls",
          note: `${idlePolls} idle poll(s), ${idle.pollNotModified} answered 304 (conditional request, free).`,
        },
      ],
      details: {
        tasks: size.tasks,
        workers: 1,
        concurrency: size.concurrency,
        pollIntervalSeconds: size.pollIntervalSeconds,
        latencyMs: GITHUB_LATENCY_MS,
        run,
        runSeconds: (runEnd - from) / 1000,
        firstPollAfterLastLabelAt: settled.at,
        perTask: {
          rateLimited: perTask,
          pollShare: run.pollRateLimited / size.tasks,
          writes: run.writes / size.tasks,
          gitRequests: run.git / size.tasks,
        },
        idle,
      },
    };
  } finally {
    await cleanup.run();
  }
}
