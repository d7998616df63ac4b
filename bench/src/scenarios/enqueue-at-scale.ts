import { createRepos, createTaskIssues, ORG, startBenchSandbox } from "../harness/bench-sandbox.js";
import { CleanupStack } from "../harness/cleanup-stack.js";
import { Fleet } from "../harness/fleet.js";
import { LIST_ISSUES_ROUTE } from "../harness/request-log-stats.js";
import { openQueue } from "../harness/task-queue.js";
import { waitFor, type LogLine } from "@agent-runner/test-kit";
import type { BenchContext, ScenarioOutcome } from "../scenario.js";
import { round } from "../stats.js";

interface PollLine {
  readonly time: number;
  readonly status: string;
  readonly enqueued: number;
  readonly seen: number;
}

/**
 * A backlog of open labelled issues, no added latency: how long the first
 * poll takes to page through them (100 per page) and enqueue them all in
 * one bulk add, and what the next poll costs.
 */
export async function enqueueAtScale(ctx: BenchContext): Promise<ScenarioOutcome> {
  const size = ctx.sizes.enqueue;
  const cleanup = new CleanupStack();
  try {
    const sandbox = await startBenchSandbox(cleanup, 0);
    const dispatch = "dispatch";
    const [target] = await createRepos(sandbox, dispatch, 1);
    const seeded = performance.now();
    createTaskIssues(sandbox, dispatch, [target as string], size.issues);
    ctx.progress(`${size.issues} issues opened in ${Math.round(performance.now() - seeded)} ms`);
    const polls: PollLine[] = [];
    const onPollerLine = (line: LogLine): void => {
      if (line.msg !== "poll finished") return;
      polls.push({ time: Number(line.time), status: String(line["status"]), enqueued: Number(line["enqueued"]), seen: Number(line["seen"]) });
    };
    const fleet = await Fleet.start(
      { scenario: "enqueue", sandbox, dispatch, workers: 0, concurrency: 1, pollIntervalSeconds: size.pollIntervalSeconds, logLevel: "info", onPollerLine, redis: ctx.redis, cleanup },
      false,
    );
    await fleet.startPoller();
    const [first, second] = await waitFor(() => (polls.length >= 2 ? polls : undefined), 300_000, "two polls", {
      intervalMs: 200,
      abortIf: () => fleet.assertAlive(),
    });
    if (first === undefined || second === undefined) throw new Error("unreachable: two polls were awaited");
    const log = sandbox.admin.requestLog().filter((e) => e.route === LIST_ISSUES_ROUTE && e.path === `/repos/${ORG}/${dispatch}/issues`);
    const firstPollRequests = log.filter((e) => e.at <= first.time);
    const secondPollRequests = log.filter((e) => e.at > first.time && e.at <= second.time);
    const startedAt = firstPollRequests[0]?.at;
    if (startedAt === undefined) throw new Error("the first poll made no listing request");
    const queue = openQueue(ctx.redis, fleet.prefix);
    const counts = await queue.getJobCounts("waiting", "prioritized", "delayed").finally(() => queue.close());
    const queued = (counts["waiting"] ?? 0) + (counts["prioritized"] ?? 0) + (counts["delayed"] ?? 0);
    const seconds = (first.time - startedAt) / 1000;
    const statuses = secondPollRequests.map((e) => e.status);
    return {
      figures: [
        {
          id: "enqueue-first-poll",
          label: `First poll of ${size.issues.toLocaleString("en-US")} open issues: list (100 per page) and enqueue`,
          value: round(seconds, 2),
          unit: "s",
          target: { op: "<=", value: 30 },
          note: `${firstPollRequests.length} pages; ${first.enqueued.toLocaleString("en-US")} enqueued, ${queued.toLocaleString("en-US")} jobs in the queue after it.`,
        },
        {
          id: "enqueue-next-poll",
          label: "Next poll: rate-limited calls (one conditional request, 304)",
          value: secondPollRequests.filter((e) => e.rateLimited).length,
          unit: "calls",
          target: { op: "<=", value: 0 },
          note: `${secondPollRequests.length} request(s), answered ${statuses.join(", ")}.`,
        },
      ],
      details: {
        issues: size.issues,
        pages: firstPollRequests.length,
        firstPoll: first,
        secondPoll: second,
        firstPollSeconds: seconds,
        jobsQueued: queued,
        secondPollRequests: secondPollRequests.map((e) => ({ status: e.status, conditional: e.conditional, rateLimited: e.rateLimited })),
        pollIntervalSeconds: size.pollIntervalSeconds,
      },
    };
  } finally {
    await cleanup.run();
  }
}
