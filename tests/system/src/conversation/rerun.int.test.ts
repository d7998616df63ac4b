import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChangeFailedError } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { TraceTaskHandler, type ChangeTask, type ChangeWorkspace, type TaskHandler } from "@agent-runner/worker";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

/** Writes the trace like the default handler; `first` decides what the first run does before that. */
class FirstRunHandler implements TaskHandler {
  readonly name = "trace";
  readonly traceIsTheChange = true;
  readonly instructions: string[] = [];
  private readonly trace: TaskHandler = new TraceTaskHandler();

  constructor(private readonly first: (signal: AbortSignal) => Promise<void> = async () => undefined) {}

  async apply(workspace: ChangeWorkspace, task: ChangeTask, signal: AbortSignal) {
    this.instructions.push(task.instruction);
    if (this.instructions.length === 1) await this.first(signal);
    return this.trace.apply(workspace, task, signal);
  }
}

describe("re-running a task when a trusted edit changes its instruction", () => {
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

  async function seed(suffix: string, taskId: string) {
    const dispatch = `dispatch-rerun-${suffix}`;
    const target = `target-rerun-${suffix}`;
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target, files: { "README.md": "# target\n" } });
    const issue = sandbox.admin.createIssue("acme", dispatch, {
      title: "Edit me",
      body: formatA(taskId, `acme/${target}`, "Write the first version."),
      labels: ["copilot-agent"],
    });
    const env = { DISPATCH_REPO: `acme/${dispatch}`, FULL_SWEEP_INTERVAL_SECONDS: "1" };
    return { dispatch, target, taskId, issue: issue.number, env };
  }

  type Seeded = Awaited<ReturnType<typeof seed>>;

  const comments = (s: Seeded) => sandbox.admin.listComments("acme", s.dispatch, s.issue);
  const pulls = (s: Seeded) => sandbox.admin.listPulls("acme", s.target);
  const processed = (s: Seeded) => sandbox.admin.getIssue("acme", s.dispatch, s.issue)?.labels.some((l) => l.name === "processed") ?? false;
  const edit = (s: Seeded, instruction: string) =>
    sandbox.admin.updateIssue("acme", s.dispatch, s.issue, { body: formatA(s.taskId, `acme/${s.target}`, instruction) });
  const trace = (s: Seeded, branch: string) => sandbox.admin.readFile("acme", s.target, branch, `agent-tasks/${s.taskId.slice(0, 8)}.md`);

  function expectInvariants(s: Seeded): void {
    expect(pulls(s)).toHaveLength(1);
    const bodies = comments(s).map((c) => c.body);
    expect(new Set(bodies).size).toBe(bodies.length);
  }

  it("adds one commit to the same branch and PR when a done task's instruction is edited, and says nothing twice", async () => {
    const s = await seed("done", "rerun-done-1");
    const handler = new FirstRunHandler();
    pipeline = await startPipeline({ sandbox, env: s.env, workerOverrides: { handler } });
    await waitFor(() => processed(s), 60_000, "the first run done");
    const [pull] = pulls(s);
    const branch = pull?.head.ref ?? "";
    const commitsBefore = await sandbox.admin.commitCount("acme", s.target, branch);

    edit(s, "Write the second version.");
    await waitFor(async () => (await trace(s, branch))?.includes("Write the second version."), 60_000, "the edited instruction on the branch");
    await waitFor(() => pipeline?.logs.text().match(/"msg":"task done"/g)?.length === 2, 30_000, "the second run done");
    expect(await sandbox.admin.commitCount("acme", s.target, branch)).toBe(commitsBefore + 1);
    expect(pulls(s)[0]?.number).toBe(pull?.number);
    expect(handler.instructions).toEqual(["Write the first version.", "Write the second version."]);
    // The one comment was edited in place to report the second run.
    expect(comments(s)).toHaveLength(1);
    await waitFor(() => comments(s)[0]?.body.includes("run 2"), 10_000, "the comment edited");
    expect(comments(s)[0]?.body).toContain(pull?.html_url);
    expectInvariants(s);
  });

  it("stops the running agent when the instruction is edited mid-run and finishes with the edited one, on one PR and with one comment", async () => {
    const s = await seed("running", "rerun-running-1");
    const handler = new FirstRunHandler(async (signal) => {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      throw new Error("the agent was killed");
    });
    pipeline = await startPipeline({ sandbox, env: s.env, workerOverrides: { handler, cancelCheckMs: 200 } });
    await waitFor(() => handler.instructions.length === 1, 30_000, "the first run's agent running");
    edit(s, "Write the second version.");
    await waitFor(() => processed(s), 60_000, "the edited run done");
    expect(handler.instructions).toEqual(["Write the first version.", "Write the second version."]);
    const branch = pulls(s)[0]?.head.ref ?? "";
    expect(await trace(s, branch)).toContain("Write the second version.");
    expect(await trace(s, branch)).not.toContain("Write the first version.");
    expect(comments(s)).toHaveLength(1);
    expect(comments(s)[0]?.body).toContain(pulls(s)[0]?.html_url);
    expectInvariants(s);
  });

  it("runs a permanently failed task again once its issue is fixed, instead of leaving the old instruction frozen", async () => {
    const s = await seed("failed", "rerun-failed-1");
    const handler = new FirstRunHandler(async () => {
      throw new ChangeFailedError("the agent gave up", "the agent could not follow the instruction");
    });
    pipeline = await startPipeline({ sandbox, env: s.env, workerOverrides: { handler } });
    await waitFor(() => comments(s).length === 1, 60_000, "the failure comment");
    expect(comments(s)[0]?.body).toContain("could not follow the instruction");
    edit(s, "Write a clearer version.");
    await waitFor(() => processed(s), 60_000, "the fixed task done");
    expect(handler.instructions).toEqual(["Write the first version.", "Write a clearer version."]);
    // The failure comment became the new run's report.
    expect(comments(s)).toHaveLength(1);
    expect(comments(s)[0]?.body).toContain(pulls(s)[0]?.html_url);
    expect(comments(s)[0]?.body).not.toContain("could not follow");
    expectInvariants(s);
  });
});
