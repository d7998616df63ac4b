import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChangeFailedError, type TaskJob } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { BullMqTaskQueue } from "@agent-runner/runtime";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { TraceTaskHandler, type ChangeTask, type ChangeWorkspace, type TaskHandler } from "@agent-runner/worker";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

/** The first run fails for good; later ones write the trace, which quotes the instruction they ran. */
class FailsFirst implements TaskHandler {
  readonly name = "trace";
  readonly traceIsTheChange = true;
  runs = 0;
  private readonly trace: TaskHandler = new TraceTaskHandler();

  async apply(workspace: ChangeWorkspace, task: ChangeTask, signal: AbortSignal) {
    this.runs++;
    if (this.runs === 1) throw new ChangeFailedError("the agent gave up", "the agent gave up");
    return this.trace.apply(workspace, task, signal);
  }
}

/**
 * A failed job requeued from the Bull Board (BullMQ's `job.retry()`, what its
 * Retry button calls) runs the dispatch issue as it reads then: the worker
 * reads, parses and trusts it again. No poller runs here, so only the worker
 * can have seen the edit.
 */
describe("a failed job requeued from the Bull Board", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let queue: BullMqTaskQueue | undefined;

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

  async function failedJob(suffix: string) {
    const dispatch = `dispatch-requeue-${suffix}`;
    const target = `target-requeue-${suffix}`;
    const taskId = `requeue-${suffix}-1`;
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target, files: { "README.md": "# target\n" } });
    const issue = sandbox.admin.createIssue("acme", dispatch, { title: "Requeue me", body: formatA(taskId, `acme/${target}`, "The first instruction."), labels: ["copilot-agent"] });
    const handler = new FailsFirst();
    const p = await startPipeline({ sandbox, poller: false, env: { DISPATCH_REPO: `acme/${dispatch}` }, workerOverrides: { handler } });
    pipeline = p;
    const q = new BullMqTaskQueue(p.redis.duplicate(), p.prefix, { attempts: 5, backoffMs: 200 });
    queue = q;
    const data: TaskJob = {
      version: 1,
      taskId,
      dispatchRepo: `acme/${dispatch}`,
      issueNumber: issue.number,
      issueTitle: issue.title,
      issueUrl: issue.html_url,
      instruction: "The first instruction.",
      targetRepo: `acme/${target}`,
      enqueuedAt: new Date().toISOString(),
    };
    await q.enqueue([data]);
    await waitFor(async () => (await q.queue.getJob(taskId))?.isFailed(), 30_000, "the first run failed");
    const runnerComments = () => sandbox.admin.listComments("acme", dispatch, issue.number);
    expect(runnerComments()).toHaveLength(1);
    const requeue = async () => (await q.queue.getJob(taskId))?.retry();
    return { dispatch, target, taskId, issue: issue.number, handler, runnerComments, requeue, q };
  }

  it("runs the instruction the issue carries after an edit, not the one it was queued with", async () => {
    const s = await failedJob("edited");
    sandbox.admin.updateIssue("acme", s.dispatch, s.issue, { body: formatA(s.taskId, `acme/${s.target}`, "The edited instruction.") });
    await s.requeue();
    await waitFor(() => sandbox.admin.listPulls("acme", s.target).length === 1, 30_000, "the PR");
    const branch = sandbox.admin.listPulls("acme", s.target)[0]?.head.ref ?? "";
    const trace = await sandbox.admin.readFile("acme", s.target, branch, `agent-tasks/${branch.replace("agent-task-", "")}.md`);
    expect(trace).toContain("The edited instruction.");
    expect(trace).not.toContain("The first instruction.");
    expect(s.handler.runs).toBe(2);
  });

  it("fails for good with the one comment saying why when the issue no longer reads as a task", async () => {
    const s = await failedJob("broken");
    sandbox.admin.updateIssue("acme", s.dispatch, s.issue, { body: "Never mind, no task here." });
    await s.requeue();
    await waitFor(() => s.runnerComments()[0]?.body.includes("no longer reads as a task"), 30_000, "the comment says why");
    // The comment is written before the attempt throws; the job turns failed just after.
    await waitFor(async () => (await s.q.queue.getJob(s.taskId))?.isFailed(), 10_000, "the job failed for good");
    expect(s.runnerComments()).toHaveLength(1);
    expect(s.handler.runs).toBe(1);
    expect(sandbox.admin.listPulls("acme", s.target)).toEqual([]);
  });
});
