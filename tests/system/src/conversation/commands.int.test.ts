import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { TraceTaskHandler, type ChangeTask, type ChangeWorkspace, type TaskHandler } from "@agent-runner/worker";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

/** The first run's agent works until it is stopped; later runs write the trace. */
class StoppableFirstRun implements TaskHandler {
  readonly name = "trace";
  readonly traceIsTheChange = true;
  runs = 0;
  stopped = false;
  private readonly trace: TaskHandler = new TraceTaskHandler();

  async apply(workspace: ChangeWorkspace, task: ChangeTask, signal: AbortSignal) {
    this.runs++;
    if (this.runs === 1) {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      this.stopped = true;
      throw new Error("the agent was killed");
    }
    return this.trace.apply(workspace, task, signal);
  }
}

describe("commands in the dispatch issue's comments", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let queue: Queue | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
  });

  afterEach(async () => {
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
    const dispatch = `dispatch-cmd-${suffix}`;
    const target = `target-cmd-${suffix}`;
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target, files: { "README.md": "# target\n" } });
    const issue = sandbox.admin.createIssue("acme", dispatch, { title: "Steer me", body: formatA(taskId, `acme/${target}`), labels: ["copilot-agent"] });
    return { dispatch, target, taskId, issue: issue.number, env: { DISPATCH_REPO: `acme/${dispatch}`, FULL_SWEEP_INTERVAL_SECONDS: "1" } };
  }

  type Seeded = Awaited<ReturnType<typeof seed>>;

  const comments = (s: Seeded) => sandbox.admin.listComments("acme", s.dispatch, s.issue);
  const runnerComments = (s: Seeded) => comments(s).filter((c) => !c.body.startsWith("/agent"));
  const pulls = (s: Seeded) => sandbox.admin.listPulls("acme", s.target);
  const processed = (s: Seeded) => sandbox.admin.getIssue("acme", s.dispatch, s.issue)?.labels.some((l) => l.name === "processed") ?? false;
  const say = (s: Seeded, body: string, user?: string) => sandbox.admin.createComment("acme", s.dispatch, s.issue, user === undefined ? { body } : { body, user });

  function expectInvariants(s: Seeded): void {
    expect(pulls(s).length).toBeLessThanOrEqual(1);
    const bodies = comments(s).map((c) => `${c.user.login}:${c.body}`);
    const runnerBodies = runnerComments(s).map((c) => c.body);
    expect(new Set(runnerBodies).size).toBe(runnerBodies.length);
    expect(bodies.length).toBeGreaterThan(0);
  }

  it("ignores an outsider's `/agent cancel` without a reply, stops the task on a maintainer's, and runs it again on `/agent retry`", async () => {
    const s = await seed("cancel", "cmd-cancel-1");
    const handler = new StoppableFirstRun();
    pipeline = await startPipeline({ sandbox, env: s.env, workerOverrides: { handler, cancelCheckMs: 200 } });
    await waitFor(() => handler.runs === 1, 30_000, "the agent running");

    const outsider = say(s, "/agent cancel", "octo-outsider");
    expect(outsider.user.login).toBe("octo-outsider");
    // Three polls (one a second) read the outsider's comment.
    await sleep(3_000);
    expect(handler.stopped).toBe(false);
    expect(runnerComments(s)).toEqual([]);

    say(s, "/agent cancel");
    await waitFor(() => handler.stopped, 30_000, "the agent stopped");
    await waitFor(() => runnerComments(s).length === 1, 30_000, "the cancel reply");
    expect(runnerComments(s)[0]?.body).toContain("`/agent retry`");
    // The issue stays open and labelled: the task stays stopped.
    await sleep(2_500);
    expect(handler.runs).toBe(1);
    expect(pulls(s)).toEqual([]);

    say(s, "/agent retry");
    await waitFor(() => processed(s), 60_000, "the retried task done");
    expect(handler.runs).toBe(2);
    expect(pulls(s)).toHaveLength(1);
    expect(runnerComments(s)).toHaveLength(2);
    expect(runnerComments(s)[1]?.body).toContain(pulls(s)[0]?.html_url);
    expectInvariants(s);
  });

  it("makes one new run, one commit and no second PR from two `/agent retry` comments posted at once", async () => {
    const s = await seed("retry", "cmd-retry-1");
    pipeline = await startPipeline({ sandbox, env: s.env });
    const p = pipeline;
    await waitFor(() => processed(s), 60_000, "the first run done");
    const branch = pulls(s)[0]?.head.ref ?? "";
    const commits = await sandbox.admin.commitCount("acme", s.target, branch);

    say(s, "/agent retry");
    say(s, "/agent retry");
    await waitFor(() => p.logs.text().match(/"msg":"task done"/g)?.length === 2, 60_000, "the retried run done");
    await sleep(2_500);
    queue = new Queue("tasks", { connection: p.redis.duplicate(), prefix: p.prefix });
    expect(await queue.getJob(`${s.taskId}#2`)).toBeDefined();
    expect(await queue.getJob(`${s.taskId}#3`)).toBeUndefined();
    expect(pulls(s)).toHaveLength(1);
    // The trace names its run's time, so the retry is one new commit on the same branch.
    expect(await sandbox.admin.commitCount("acme", s.target, branch)).toBeLessThanOrEqual(commits + 1);
    expect(runnerComments(s)).toHaveLength(1);
    await waitFor(() => runnerComments(s)[0]?.body.includes("run 2"), 10_000, "the comment edited in place");
    expectInvariants(s);
  });

  it("leaves a PR closed without merging closed when the instruction is edited, and opens a new one only on `/agent retry`", async () => {
    const s = await seed("closed", "cmd-closed-1");
    pipeline = await startPipeline({ sandbox, env: s.env });
    const p = pipeline;
    await waitFor(() => processed(s), 60_000, "the first run done");
    const [first] = pulls(s);
    sandbox.admin.closePull("acme", s.target, first?.number ?? 0);

    sandbox.admin.updateIssue("acme", s.dispatch, s.issue, { body: formatA(s.taskId, `acme/${s.target}`, "Try something else.") });
    await waitFor(() => p.logs.text().match(/"msg":"task done"/g)?.length === 2, 60_000, "the edited run done");
    expect(pulls(s).map((pull) => pull.state)).toEqual(["closed"]);
    await waitFor(() => runnerComments(s)[0]?.body.includes("closed without merging"), 10_000, "the comment says the PR was left alone");

    say(s, "/agent retry");
    await waitFor(() => pulls(s).length === 2, 60_000, "a new PR");
    expect(pulls(s).map((pull) => pull.state)).toEqual(["closed", "open"]);
    expect(runnerComments(s)).toHaveLength(1);
    await waitFor(() => runnerComments(s)[0]?.body.includes(pulls(s)[1]?.html_url ?? "?"), 10_000, "the comment names the new PR");
  });
});
