import { readdir } from "node:fs/promises";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { taskRunKeys } from "@agent-runner/runtime";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { TraceTaskHandler, startWorkerService, type ChangeTask, type ChangeWorkspace, type TaskHandler } from "@agent-runner/worker";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

/** Every poll lists every open labelled issue, so a close is seen within a poll. */
const SWEEP_EVERY_POLL = { FULL_SWEEP_INTERVAL_SECONDS: "1" };

/**
 * A change step that holds the task where a test wants it. `hold` runs on the
 * first apply only; later runs (a new run after the cancel) write the trace.
 */
class HeldHandler implements TaskHandler {
  readonly name = "trace";
  readonly traceIsTheChange = true;
  started = 0;
  sawAbort = false;
  private readonly trace: TaskHandler = new TraceTaskHandler();

  constructor(private readonly hold: (signal: AbortSignal, handler: HeldHandler) => Promise<void>) {}

  async apply(workspace: ChangeWorkspace, task: ChangeTask, signal: AbortSignal) {
    this.started++;
    if (this.started === 1) await this.hold(signal, this);
    return this.trace.apply(workspace, task, signal);
  }
}

describe("cancelling a task from its dispatch issue", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let queue: Queue | undefined;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await queue?.close();
    queue = undefined;
    await pipeline?.close();
    pipeline = undefined;
    expect(sandbox.admin.violations()).toEqual([]);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function seed(suffix: string, taskId: string) {
    const dispatch = `dispatch-cancel-${suffix}`;
    const target = `target-cancel-${suffix}`;
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target, files: { "README.md": "# target\n" } });
    const issue = sandbox.admin.createIssue("acme", dispatch, {
      title: "Cancel me",
      body: formatA(taskId, `acme/${target}`),
      labels: ["copilot-agent"],
    });
    return { dispatch, target, issue: issue.number, taskId, env: { DISPATCH_REPO: `acme/${dispatch}`, ...SWEEP_EVERY_POLL } };
  }

  type Seeded = Awaited<ReturnType<typeof seed>>;

  const comments = (s: Seeded) => sandbox.admin.listComments("acme", s.dispatch, s.issue);
  const cancelComments = (s: Seeded) => comments(s).filter((c) => c.body.includes("cancelled this task"));
  const pulls = (s: Seeded) => sandbox.admin.listPulls("acme", s.target);
  const processed = (s: Seeded) => sandbox.admin.getIssue("acme", s.dispatch, s.issue)?.labels.some((l) => l.name === "processed") ?? false;
  const agentBranches = async (s: Seeded) => (await sandbox.admin.listBranches("acme", s.target)).filter((b) => b.name.startsWith("agent-task-"));

  /** The invariants every conversation keeps: at most one PR per task, no comment said twice. */
  function expectInvariants(s: Seeded): void {
    expect(pulls(s).length).toBeLessThanOrEqual(1);
    const bodies = comments(s).map((c) => c.body);
    expect(new Set(bodies).size).toBe(bodies.length);
  }

  function openQueue(p: Pipeline): Queue {
    queue = new Queue("tasks", { connection: p.redis.duplicate(), prefix: p.prefix });
    return queue;
  }

  const close = (s: Seeded) => sandbox.admin.updateIssue("acme", s.dispatch, s.issue, { state: "closed" });
  const reopen = (s: Seeded) => sandbox.admin.updateIssue("acme", s.dispatch, s.issue, { state: "open" });

  it("removes a waiting job when its issue is closed, comments once, and runs the task again as a new run when the issue is reopened", async () => {
    const s = await seed("waiting", "cancel-waiting-1");
    pipeline = await startPipeline({ sandbox, env: s.env, workers: 0 });
    const q = openQueue(pipeline);
    await waitFor(async () => (await q.getJob(s.taskId)) !== undefined, 30_000, "the job queued");
    close(s);
    await waitFor(() => cancelComments(s).length === 1, 30_000, "the cancel comment");
    expect(await q.getJob(s.taskId)).toBeUndefined();
    // Two more polls (one a second) see the closed issue: still one comment.
    await sleep(2_500);
    expect(cancelComments(s)).toHaveLength(1);

    reopen(s);
    const rerun = await waitFor(async () => q.getJob(`${s.taskId}#2`), 30_000, "a second run queued");
    expect(rerun.data).toMatchObject({ taskId: s.taskId, run: 2 });
    pipeline.workers.push(await startWorkerService(pipeline.config, pipeline.logs.logger("late-worker", [pipeline.config.githubToken])));
    await waitFor(() => processed(s), 60_000, "the issue labelled processed");
    expect(pulls(s)).toHaveLength(1);
    expect(comments(s)).toHaveLength(2);
    expect(comments(s)[1]?.body).toContain(pulls(s)[0]?.html_url);
    expectInvariants(s);
  });

  it("stops a running agent when the label is removed, throws its workspace away, writes nothing more, and runs again when relabelled", async () => {
    const s = await seed("running", "cancel-running-1");
    const handler = new HeldHandler(async (signal, self) => {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      self.sawAbort = true;
      throw new Error("the agent was killed");
    });
    pipeline = await startPipeline({ sandbox, env: s.env, workerOverrides: { handler, cancelCheckMs: 200 } });
    const p = pipeline;
    await waitFor(() => handler.started === 1, 30_000, "the agent running");
    sandbox.admin.updateIssue("acme", s.dispatch, s.issue, { labels: [] });
    await waitFor(() => handler.sawAbort, 30_000, "the agent aborted");
    await waitFor(() => p.logs.text().includes("task cancelled: stopped without writing anything more"), 30_000, "the attempt ended");
    expect(cancelComments(s)).toHaveLength(1);
    expect(pulls(s)).toHaveLength(0);
    expect(await agentBranches(s)).toEqual([]);
    expect(processed(s)).toBe(false);
    expect(await readdir(path.join(p.workspaceDir, "jobs")).catch(() => [])).toEqual([]);
    const q = openQueue(p);
    expect(await (await q.getJob(s.taskId))?.getState()).toBe("failed");

    sandbox.admin.updateIssue("acme", s.dispatch, s.issue, { labels: ["copilot-agent"] });
    await waitFor(() => processed(s), 60_000, "the new run done");
    expect(handler.started).toBe(2);
    expect(pulls(s)).toHaveLength(1);
    expect(comments(s).map((c) => c.body.includes("cancelled this task"))).toEqual([true, false]);
    expectInvariants(s);
  });

  it("pushes nothing and opens no PR when the cancel lands as the change step finishes, right before the push", async () => {
    const s = await seed("before-push", "cancel-before-push-1");
    let prefix = "";
    const handler = new HeldHandler(async () => undefined);
    const cancelling: TaskHandler = {
      name: "trace",
      traceIsTheChange: true,
      apply: async (workspace, task, signal) => {
        const result = await handler.apply(workspace, task, signal);
        close(s);
        // The poller sees the close and flags the run before the attempt goes on to push.
        await waitFor(async () => (await pipeline?.redis.exists(taskRunKeys.cancelled(prefix, s.taskId))) === 1, 30_000, "the run flagged");
        return result;
      },
    };
    pipeline = await startPipeline({ sandbox, env: s.env, workerOverrides: { handler: cancelling, cancelCheckMs: 60_000 } });
    prefix = pipeline.prefix;
    const p = pipeline;
    await waitFor(() => p.logs.text().includes("task cancelled: stopped without writing anything more"), 60_000, "the attempt ended");
    expect(await agentBranches(s)).toEqual([]);
    expect(pulls(s)).toHaveLength(0);
    expect(cancelComments(s)).toHaveLength(1);
    expect(comments(s)).toHaveLength(1);
    expect(processed(s)).toBe(false);
    expectInvariants(s);
  });

  it("writes nothing when the worker running a cancelled task is killed before it saw the cancel and another worker takes the job back", async () => {
    const s = await seed("killed", "cancel-killed-1");
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(() => release());
    // A hung agent: it ignores the abort, as a killed process would never answer.
    const hung = new HeldHandler(async () => {
      await released;
      throw new Error("released at the end of the test");
    });
    pipeline = await startPipeline({ sandbox, env: s.env, workerOverrides: { handler: hung, cancelCheckMs: 600_000 } });
    const p = pipeline;
    await waitFor(() => hung.started === 1, 30_000, "the agent running");
    close(s);
    await waitFor(async () => (await p.redis.exists(taskRunKeys.cancelled(p.prefix, s.taskId))) === 1, 30_000, "the run flagged");
    const [first] = p.workers.splice(0, 1);
    await first?.stop(true);
    p.workers.push(
      await startWorkerService(p.config, p.logs.logger("second-worker", [p.config.githubToken]), {
        handler: new TraceTaskHandler(),
        lockDurationMs: 5_000,
        stalledIntervalMs: 1_000,
      }),
    );
    const q = openQueue(p);
    await waitFor(async () => (await (await q.getJob(s.taskId))?.getState()) === "failed", 60_000, "the job taken back and ended");
    expect((await q.getJob(s.taskId))?.failedReason).toContain("cancelled");
    expect(pulls(s)).toHaveLength(0);
    expect(await agentBranches(s)).toEqual([]);
    expect(comments(s)).toHaveLength(1);
    expect(processed(s)).toBe(false);
    expectInvariants(s);
  });
});
