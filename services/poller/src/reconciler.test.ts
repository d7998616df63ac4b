import { describe, expect, it } from "vitest";
import { correlationComment, doneComment, failedMarker, type JobSnapshot } from "@agent-runner/core";
import {
  FakeGitHubClient,
  FakeTaskJobInspector,
  MemoryCancellationLedger,
  MemoryPushLedger,
  MemoryReconcileLedger,
  MemoryTaskRuns,
} from "@agent-runner/core/testing";
import { createLogger } from "@agent-runner/runtime";
import { ReconcileLoop } from "./reconcile-loop.js";
import type { DriftAction, DriftKind, ReconcileMetrics } from "./reconcile-metrics.js";
import { Reconciler } from "./reconciler.js";
import { lazyRunnerIdentity } from "./runner-identity-source.js";

const silent = createLogger({ level: "silent", service: "test", secrets: [] });
const dispatch = { owner: "acme", repo: "dispatch" };
const target = { owner: "acme", repo: "target" };
const WRITES = ["createIssueComment", "updateIssueComment", "addLabels", "deleteBranch", "createPull", "updatePull", "closePull"];

class RecordingReconcileMetrics implements ReconcileMetrics {
  readonly drifts: string[] = [];
  sweeps = 0;
  stuck = 0;
  drift(kind: DriftKind, action: DriftAction): void {
    this.drifts.push(`${kind} ${action}`);
  }
  swept(): void {
    this.sweeps++;
  }
  stuckJobs(count: number): void {
    this.stuck = count;
  }
}

function setUp(options: { deleteOrphanBranches?: boolean; now?: () => number } = {}) {
  const github = new FakeGitHubClient();
  github.addRepo("acme/dispatch");
  github.addRepo("acme/target");
  const runs = new MemoryTaskRuns();
  const cancels = new MemoryCancellationLedger();
  const jobs = new FakeTaskJobInspector();
  const pushes = new MemoryPushLedger();
  const ledger = new MemoryReconcileLedger(options.now);
  const metrics = new RecordingReconcileMetrics();
  const reconciler = new Reconciler({
    github,
    runs,
    cancels,
    jobs,
    pushes,
    ledger,
    runner: lazyRunnerIdentity(github),
    dispatchRepo: dispatch,
    dispatchLabel: "copilot-agent",
    processedLabel: "processed",
    deleteOrphanBranches: options.deleteOrphanBranches ?? false,
    stuckJobMs: 3_600_000,
    metrics,
    log: silent,
  });
  const writes = () => github.calls.filter((c) => WRITES.includes(c));

  /** A task as a worker leaves it: branch pushed, PR opened, done comment, label, completed job with its result. */
  async function doneTask(taskId: string, job: Partial<JobSnapshot> = {}) {
    const issue = github.addIssue("acme/dispatch", { title: taskId, labels: ["copilot-agent", "processed"] });
    const branch = `agent-task-${taskId.slice(0, 8)}`;
    github.setBranch("acme/target", branch, "a".repeat(40));
    await pushes.record({ taskId, repo: target, branch, sha: "a".repeat(40) });
    const created = await github.createPull(target, { title: taskId, body: `${correlationComment(taskId)}\n`, head: branch, base: "main" });
    if (created.kind !== "created") throw new Error("no PR");
    await github.createIssueComment(dispatch, issue.number, doneComment(taskId, created.pull.htmlUrl, "opened"));
    await runs.track(taskId, issue.number);
    await runs.setTarget(taskId, "acme/target");
    jobs.jobs.set(taskId, { state: "completed", result: { pullUrl: created.pull.htmlUrl, pullState: "opened", branch }, ...job });
    github.calls.length = 0;
    return { issue, pull: created.pull, branch };
  }

  return { github, runs, cancels, jobs, pushes, ledger, metrics, reconciler, writes, doneTask };
}

describe("Reconciler", () => {
  it("writes nothing when every done task has its comment and label, and reads an unchanged issue's comments only once", async () => {
    const t = setUp();
    await t.doneTask("first-in-order");
    await t.doneTask("second-in-order");
    expect(await t.reconciler.sweep()).toMatchObject({ tasks: 2, repaired: 0, reported: 0, deleted: 0 });
    await t.reconciler.sweep();
    expect(t.writes()).toEqual([]);
    expect(t.metrics.drifts).toEqual([]);
    expect(t.github.calls.filter((c) => c === "listIssueComments")).toHaveLength(2);
    expect(t.metrics.sweeps).toBe(2);
  });

  it("adds the processed label a done task's issue lost, once", async () => {
    const t = setUp();
    const { issue } = await t.doneTask("lost-label-1");
    Object.assign(issue, { labels: ["copilot-agent"] });
    await t.reconciler.sweep();
    await t.reconciler.sweep();
    expect(t.github.labelsOf("acme/dispatch", issue.number)).toContain("processed");
    expect(t.writes()).toEqual(["addLabels"]);
    expect(t.metrics.drifts).toEqual(["missing_label repaired"]);
  });

  it("says the PR again on an issue whose done comment was deleted, once, with the PR's URL", async () => {
    const t = setUp();
    const { issue, pull } = await t.doneTask("lost-comment-1");
    t.github.comments.set(`acme/dispatch#${issue.number}`, []);
    await t.reconciler.sweep();
    await t.reconciler.sweep();
    const comments = t.github.commentsOn("acme/dispatch", issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(pull.htmlUrl);
    expect(t.writes()).toEqual(["createIssueComment"]);
    expect(t.metrics.drifts).toEqual(["missing_comment repaired"]);
  });

  it("does not take someone else's comment quoting the PR's URL for the runner's own", async () => {
    const t = setUp();
    const { issue, pull } = await t.doneTask("copied-1");
    t.github.comments.set(`acme/dispatch#${issue.number}`, []);
    await t.github.actingAs("mallory", (as) => as.createIssueComment(dispatch, issue.number, doneComment("copied-1", pull.htmlUrl, "opened")));
    await t.reconciler.sweep();
    expect(t.github.commentsOn("acme/dispatch", issue.number).map((c) => c.authorLogin)).toEqual(["mallory", "agent-runner-bot"]);
  });

  it.each<[string, (t: ReturnType<typeof setUp>, taskId: string) => Promise<void> | void]>([
    ["whose run is active", (t, taskId) => void t.jobs.jobs.set(taskId, { state: "active", startedAt: Date.now() })],
    ["whose run waits", (t, taskId) => void t.jobs.jobs.set(taskId, { state: "waiting" })],
    ["that a command holds", (t, taskId) => t.runs.hold(taskId)],
    ["whose run was cancelled", (t, taskId) => t.cancels.cancel(taskId)],
  ])("touches nothing of a task %s", async (_name, arrange) => {
    const t = setUp({ deleteOrphanBranches: true });
    const { issue } = await t.doneTask("hands-off-1");
    Object.assign(issue, { labels: ["copilot-agent"] });
    t.github.comments.set(`acme/dispatch#${issue.number}`, []);
    t.github.pulls.set("acme/target", []);
    await arrange(t, "hands-off-1");
    await t.reconciler.sweep();
    expect(t.writes()).toEqual([]);
  });

  it("comments and labels a first run that failed after opening its PR without a word on the issue", async () => {
    const t = setUp();
    const { issue, pull } = await t.doneTask("unreported-1", { state: "failed", result: undefined });
    Object.assign(issue, { labels: ["copilot-agent"] });
    t.github.comments.set(`acme/dispatch#${issue.number}`, []);
    await t.reconciler.sweep();
    await t.reconciler.sweep();
    expect(t.github.commentsOn("acme/dispatch", issue.number)[0]?.body).toContain(pull.htmlUrl);
    expect(t.github.labelsOf("acme/dispatch", issue.number)).toContain("processed");
    expect(t.writes()).toEqual(["createIssueComment", "addLabels"]);
  });

  it("leaves a failed run's own failure report as it is", async () => {
    const t = setUp();
    const { issue } = await t.doneTask("reported-failure-1", { state: "failed", result: undefined });
    Object.assign(issue, { labels: ["copilot-agent"] });
    t.github.comments.set(`acme/dispatch#${issue.number}`, []);
    await t.github.createIssueComment(dispatch, issue.number, `${failedMarker("reported-failure-1")}\nfailed`);
    t.github.calls.length = 0;
    await t.reconciler.sweep();
    expect(t.writes()).toEqual([]);
  });

  it("reports a stray agent-task- branch with no PR and no task once, and never deletes what the runner did not push", async () => {
    const t = setUp({ deleteOrphanBranches: true });
    await t.doneTask("owner-1");
    t.github.setBranch("acme/target", "agent-task-stray000", "b".repeat(40));
    t.github.calls.length = 0;
    await t.reconciler.sweep();
    await t.reconciler.sweep();
    expect(t.metrics.drifts).toEqual(["orphan_branch reported"]);
    expect(t.github.branches.get("acme/target")?.has("agent-task-stray000")).toBe(true);
    expect(t.writes()).toEqual([]);
  });

  it("deletes, when configured, an orphan branch of a finished task whose tip the runner pushed", async () => {
    const t = setUp({ deleteOrphanBranches: true });
    const { branch } = await t.doneTask("orphan-own-1", { state: "failed", result: undefined });
    t.github.pulls.set("acme/target", []);
    await t.reconciler.sweep();
    expect(t.github.branches.get("acme/target")?.has(branch)).toBe(false);
    expect(t.metrics.drifts).toEqual(["orphan_branch deleted"]);
  });

  it("only reports that branch when deleting is not configured, or when someone pushed to it since", async () => {
    for (const [deleteOrphanBranches, tip] of [[false, "a"], [true, "c"]] as const) {
      const t = setUp({ deleteOrphanBranches });
      const { branch } = await t.doneTask("orphan-own-2", { state: "failed", result: undefined });
      t.github.pulls.set("acme/target", []);
      t.github.setBranch("acme/target", branch, tip.repeat(40));
      await t.reconciler.sweep();
      expect(t.github.branches.get("acme/target")?.has(branch)).toBe(true);
      expect(t.metrics.drifts).toEqual(["orphan_branch reported"]);
    }
  });

  it("reports a job active for longer than the stuck threshold, once", async () => {
    const t = setUp();
    t.jobs.jobs.set("stuck-1", { state: "active", startedAt: Date.now() - 2 * 3_600_000 });
    t.jobs.jobs.set("busy-1", { state: "active", startedAt: Date.now() - 60_000 });
    await t.reconciler.sweep();
    await t.reconciler.sweep();
    expect(t.metrics.drifts).toEqual(["stuck_job reported"]);
    expect(t.metrics.stuck).toBe(1);
  });
});

describe("ReconcileLoop", () => {
  it("lets one replica sweep per interval, whichever asks first", async () => {
    let now = 1_000_000;
    const t = setUp({ now: () => now });
    const loop = (reconciler: Reconciler) => new ReconcileLoop(reconciler, { intervalMs: 60_000, ledger: t.ledger, log: silent });
    const first = loop(t.reconciler);
    const second = loop(t.reconciler);
    expect(await first.tick()).toBeDefined();
    expect(await second.tick()).toBeUndefined();
    expect(await first.tick()).toBeUndefined();
    now += 60_001;
    expect(await second.tick()).toBeDefined();
    expect(t.metrics.sweeps).toBe(2);
  });
});
