import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, parseExposition, sampleValue, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);

describe("the reconcile sweep", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
  });

  afterEach(async () => {
    await pipeline?.close();
    pipeline = undefined;
    expect(sandbox.admin.violations()).toEqual([]);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function start(name: string, env: Record<string, string> = {}) {
    const dispatch = `dispatch-${name}`;
    const target = `target-${name}`;
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target, files: { "README.md": "# target\n" } });
    pipeline = await startPipeline({
      sandbox,
      env: { DISPATCH_REPO: `acme/${dispatch}`, RECONCILE_INTERVAL_SECONDS: "1", ...env },
    });
    const running = pipeline;
    const labelled = (issue: number) => sandbox.admin.getIssue("acme", dispatch, issue)?.labels.some((l) => l.name === "processed") ?? false;
    const task = async (taskId: string, openedAt?: Date) => {
      const issue = sandbox.admin.createIssue("acme", dispatch, {
        title: taskId,
        body: formatA(taskId, `acme/${target}`),
        labels: ["copilot-agent"],
        ...(openedAt === undefined ? {} : { openedAt }),
      });
      await waitFor(() => labelled(issue.number), 60_000, `${taskId} done`);
      return issue.number;
    };
    const sweeps = () => running.logs.lines.filter((line) => line.includes('"reconcile sweep finished"')).length;
    /** Waits for `n` more sweeps to finish than have now. */
    const moreSweeps = async (n: number) => {
      const before = sweeps();
      await waitFor(() => sweeps() >= before + n, 30_000, `${n} more sweeps`);
    };
    const metrics = async (service: "poller" | "worker") => {
      const port = service === "poller" ? running.poller?.ops.port : running.workers[0]?.ops.port;
      return parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    };
    const comments = (issue: number) => sandbox.admin.listComments("acme", dispatch, issue);
    return { dispatch, target, task, labelled, moreSweeps, metrics, comments };
  }

  it("makes no write when every task is in order", async () => {
    const s = await start("in-order");
    await s.task("in-order-task-1");
    await s.moreSweeps(1);
    sandbox.admin.clearRequestLog();
    await s.moreSweeps(3);
    const writes = sandbox.admin.requestLog().filter((entry) => entry.kind === "api" && WRITE_METHODS.has(entry.method));
    expect(writes).toEqual([]);
    const samples = await s.metrics("poller");
    expect(sampleValue(samples, "agent_runner_reconcile_drift_total")).toBe(0);
    expect(sampleValue(samples, "agent_runner_reconcile_last_sweep_timestamp_seconds")).toBeGreaterThan(0);
  });

  it("puts back a removed label and a deleted comment, reports a stray branch, and writes each once", async () => {
    const s = await start("drift");
    const lostLabel = await s.task("lost-label-1");
    const lostComment = await s.task("lost-comment-1");
    const said = s.comments(lostComment).find((c) => c.body.includes("pull request opened"));
    expect(said).toBeDefined();
    await s.moreSweeps(1);

    sandbox.admin.updateIssue("acme", s.dispatch, lostLabel, { labels: ["copilot-agent"] });
    sandbox.admin.deleteComment("acme", s.dispatch, said?.id ?? 0);
    await sandbox.admin.createBranch("acme", s.target, "agent-task-stray001");
    sandbox.admin.clearRequestLog();

    await waitFor(() => s.labelled(lostLabel) && s.comments(lostComment).length === 1, 30_000, "the label and the comment back");
    expect(s.comments(lostComment)[0]?.body).toContain(said?.body.match(/https?:\S+/)?.[0] ?? "no URL");
    await s.moreSweeps(3);

    const writes = sandbox.admin.requestLog().filter((entry) => entry.kind === "api" && WRITE_METHODS.has(entry.method));
    expect(writes.map((entry) => entry.route).sort()).toEqual([
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
    ]);
    expect(s.comments(lostComment)).toHaveLength(1);
    expect((await sandbox.admin.listBranches("acme", s.target)).map((b) => b.name)).toContain("agent-task-stray001");
    const samples = await s.metrics("poller");
    expect(sampleValue(samples, "agent_runner_reconcile_drift_total", { kind: "missing_label", action: "repaired" })).toBe(1);
    expect(sampleValue(samples, "agent_runner_reconcile_drift_total", { kind: "missing_comment", action: "repaired" })).toBe(1);
    expect(sampleValue(samples, "agent_runner_reconcile_drift_total", { kind: "orphan_branch", action: "reported" })).toBe(1);
    expect(sampleValue(samples, "agent_runner_reconcile_drift_total", { kind: "orphan_branch", action: "deleted" })).toBe(0);
  });

  it("deletes, when configured, the branch of a task that failed before its PR, and never a branch someone else pushed", async () => {
    const s = await start("orphan", { RECONCILE_DELETE_ORPHAN_BRANCHES: "true", TASK_ATTEMPTS: "1" });
    // Every PR create is refused: the task pushes its branch, then fails for good.
    sandbox.admin.injectFault({ route: "POST /repos/{owner}/{repo}/pulls", status: 403, count: Infinity });
    const issue = sandbox.admin.createIssue("acme", s.dispatch, { title: "orphan", body: formatA("orphan-task-1", `acme/${s.target}`), labels: ["copilot-agent"] });
    await sandbox.admin.createBranch("acme", s.target, "agent-task-someone1");
    const branches = async () => (await sandbox.admin.listBranches("acme", s.target)).map((b) => b.name);
    await waitFor(() => s.comments(issue.number).some((c) => c.body.includes("failed")), 60_000, "the task failed");
    sandbox.admin.clearFaults();
    await waitFor(async () => !(await branches()).includes("agent-task-orphan-t"), 30_000, "the orphan branch deleted");
    await s.moreSweeps(2);
    expect(await branches()).toContain("agent-task-someone1");
    const samples = await s.metrics("poller");
    expect(sampleValue(samples, "agent_runner_reconcile_drift_total", { kind: "orphan_branch", action: "deleted" })).toBe(1);
    expect(sampleValue(samples, "agent_runner_reconcile_drift_total", { kind: "orphan_branch", action: "reported" })).toBe(1);
  });

  it("measures the labelled-to-PR time from when the issue was labelled, not from when the task was queued", async () => {
    const s = await start("labelled", { FULL_SWEEP_INTERVAL_SECONDS: "1" });
    // Labelled ten minutes ago, seen by the poller only now: the measure includes those minutes.
    await s.task("labelled-task-1", new Date(Date.now() - 600_000));
    // The label is the attempt's last write; the job's metrics follow its end.
    const observed = async () => sampleValue(await s.metrics("worker"), "agent_runner_labelled_to_pull_seconds_count") === 1;
    await waitFor(observed, 10_000, "the labelled-to-PR time observed");
    const samples = await s.metrics("worker");
    expect(sampleValue(samples, "agent_runner_labelled_to_pull_seconds_count")).toBe(1);
    expect(sampleValue(samples, "agent_runner_labelled_to_pull_seconds_sum")).toBeGreaterThanOrEqual(600);
    expect(sampleValue(samples, "agent_runner_time_to_pull_request_seconds_sum")).toBeLessThan(600);
  });
});
