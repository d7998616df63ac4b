import { sleep } from "@agent-runner/core";
import { waitFor, type LogLine } from "@agent-runner/test-kit";
import { createRepos, createTaskIssues, DISPATCH_LABEL, ORG, PROCESSED_LABEL, startBenchSandbox } from "../harness/bench-sandbox.js";
import { CleanupStack } from "../harness/cleanup-stack.js";
import { Fleet } from "../harness/fleet.js";
import { labelledAt, LIST_ISSUES_ROUTE, summarizeCalls } from "../harness/request-log-stats.js";
import { perTaskBreakdown } from "../harness/route-names.js";
import { GITHUB_LATENCY_MS, type BenchContext, type ScenarioOutcome } from "../scenario.js";
import { round } from "../stats.js";

interface PollLine {
  readonly at: number;
  readonly status: string;
  readonly mode: string;
}

/**
 * The poller's cost when finished dispatch issues stay open: `backlog` processed issues,
 * 1-s polls. After the start-up sweep, tasks run end to end (every rate-limited call per
 * task counted), then idle polls, then "busy" polls that each follow a stranger's comment
 * on an old issue (today every such poll re-lists every page).
 */
export async function pollingEconomy(ctx: BenchContext): Promise<ScenarioOutcome> {
  const size = ctx.sizes.polling;
  const cleanup = new CleanupStack();
  try {
    const sandbox = await startBenchSandbox(cleanup, GITHUB_LATENCY_MS);
    const dispatch = "dispatch";
    const targets = await createRepos(sandbox, dispatch, size.targets);
    // Finished over the past weeks, one an hour: a real backlog is old.
    const old = Array.from({ length: size.backlog }, (_, i) =>
      sandbox.admin.createIssue(ORG, dispatch, {
        title: `done ${i}`,
        body: "finished",
        labels: [DISPATCH_LABEL, PROCESSED_LABEL],
        openedAt: new Date(Date.now() - (size.backlog - i) * 3_600_000),
      }),
    );
    const polls: PollLine[] = [];
    const onPollerLine = (line: LogLine): void => {
      if (line.msg === "poll finished") polls.push({ at: Date.now(), status: String(line["status"]), mode: String(line["mode"]) });
    };
    const fleet = await Fleet.start({
      scenario: "polling",
      sandbox,
      dispatch,
      workers: 1,
      concurrency: 4,
      pollIntervalSeconds: 1,
      logLevel: "info",
      onPollerLine,
      redis: ctx.redis,
      cleanup,
    });
    const pollsAfter = (n: number, from: number) =>
      waitFor(() => (polls.filter((p) => p.at > from).length >= n ? true : undefined), 60_000, `${n} polls`, {
        intervalMs: 50,
        abortIf: () => fleet.assertAlive(),
      });
    await pollsAfter(2, 0);
    const sweepCalls = summarizeCalls(sandbox.admin.requestLog(), 0, Date.now()).pollRateLimited;
    ctx.progress(`${size.backlog} processed issues open; start-up sweep took ${sweepCalls} listing call(s); ${size.tasks} tasks`);

    const from = Date.now();
    createTaskIssues(sandbox, dispatch, targets, size.tasks);
    await fleet.waitForProcessed(size.backlog + size.tasks, 600_000);
    const lastLabel = Math.max(...labelledAt(sandbox.admin.requestLog(), `/repos/${ORG}/${dispatch}`).values());
    // The run ends with the poll of the first listing that arrived after the last label was answered:
    // by then the poller has seen every write (that listing answers 200, or 304 when an earlier one,
    // which arrived before the label but was served after it, already saw it).
    const settling = await waitFor(
      () => sandbox.admin.requestLog().find((e) => e.route === LIST_ISSUES_ROUTE && e.at > lastLabel && e.status > 0),
      120_000,
      "the listing after the last label",
      { intervalMs: 50 },
    );
    await waitFor(() => polls.find((p) => p.at > settling.at + settling.durationMs), 120_000, "the poll after the last label", { intervalMs: 50 });
    const runEnd = Date.now();
    const run = summarizeCalls(sandbox.admin.requestLog(), from, runEnd);

    await pollsAfter(3, runEnd);
    const idleEnd = Date.now();
    const idle = summarizeCalls(sandbox.admin.requestLog(), runEnd + 1, idleEnd);
    const idlePolls = polls.filter((p) => p.at > runEnd && p.at <= idleEnd).length;

    const busyCalls: number[] = [];
    for (let i = 0; i < size.busyPolls; i++) {
      const before = Date.now();
      const target = old[(i * 37) % old.length];
      if (target === undefined) throw new Error("no old issue to comment on");
      sandbox.admin.createComment(ORG, dispatch, target.number, { body: "any news?", user: sandbox.users.outsider });
      // The first listing answered 200 after the comment saw it; its poll ends with the next "poll finished".
      // A request is logged at its arrival and served after the sandbox's latency: one that arrived
      // just before the comment can be the one that saw it, so what counts is when it was answered.
      const listed = await waitFor(
        () =>
          sandbox.admin
            .requestLog()
            .find((e) => e.route === LIST_ISSUES_ROUTE && e.at + e.durationMs > before && e.status === 200),
        120_000,
        "the listing that sees the comment",
        { intervalMs: 50 },
      );
      const seen = await waitFor(() => polls.find((p) => p.at > listed.at), 120_000, "the poll that sees the comment", { intervalMs: 50 });
      busyCalls.push(summarizeCalls(sandbox.admin.requestLog(), Math.min(before, listed.at), seen.at).pollRateLimited);
      await sleep(1_100);
    }
    const perTask = run.rateLimited / size.tasks;
    const perBusy = busyCalls.reduce((a, b) => a + b, 0) / Math.max(1, busyCalls.length);
    return {
      figures: [
        {
          id: "api-calls-per-task-with-backlog",
          label: `Rate-limited API calls per task, ${size.backlog} processed issues open, 1-s polls`,
          value: round(perTask, 2),
          unit: "calls",
          target: { op: "<=", value: 4 },
          baseline: "21–22 calls (1,000 open)",
          note: `${size.tasks} tasks: ${perTaskBreakdown(run.rateLimitedByRoute, size.tasks)}. The start-up sweep and the listing that opens the window (${sweepCalls} calls) are not counted.`,
        },
        {
          id: "busy-poll-calls",
          label: `Rate-limited calls per busy poll, ${size.backlog} open labelled issues`,
          value: round(perBusy, 2),
          unit: "calls",
          target: { op: "<=", value: 1 },
          baseline: `${Math.ceil(size.backlog / 100)} calls (every page)`,
          note: `${busyCalls.length} polls, each after a comment by a stranger on an old issue: ${busyCalls.join(", ")}; a full sweep costs ${sweepCalls}.`,
        },
        {
          id: "idle-poll-calls-with-backlog",
          label: "Rate-limited calls per idle poll, with the backlog",
          value: round(idle.pollRateLimited / Math.max(1, idlePolls), 2),
          unit: "calls",
          target: { op: "<=", value: 0 },
          note: `${idlePolls} idle polls, ${idle.pollNotModified} answered 304.`,
        },
      ],
      details: { backlog: size.backlog, tasks: size.tasks, sweepCalls, run, idle, idlePolls, busyCalls, listRoute: LIST_ISSUES_ROUTE },
    };
  } finally {
    await cleanup.run();
  }
}
