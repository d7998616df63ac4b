import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { TraceTaskHandler, type ChangeTask, type ChangeWorkspace, type TaskHandler } from "@agent-runner/worker";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

/** The first run writes the trace; the second works until it is stopped. */
class StoppableSecondRun implements TaskHandler {
  readonly name = "trace";
  readonly traceIsTheChange = true;
  runs = 0;
  private readonly trace: TaskHandler = new TraceTaskHandler();

  async apply(workspace: ChangeWorkspace, task: ChangeTask, signal: AbortSignal) {
    this.runs++;
    if (this.runs === 2) {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      throw new Error("the agent was killed");
    }
    return this.trace.apply(workspace, task, signal);
  }
}

describe("CLOSE_PR_ON_CANCEL", () => {
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

  it("closes the task's open PR with one comment on it when a maintainer's `/agent cancel` stops a run", async () => {
    const dispatch = "dispatch-close-pr";
    const target = "target-close-pr";
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target, files: { "README.md": "# target\n" } });
    const issue = sandbox.admin.createIssue("acme", dispatch, { title: "Close me", body: formatA("close-pr-1", `acme/${target}`), labels: ["copilot-agent"] });
    const handler = new StoppableSecondRun();
    pipeline = await startPipeline({
      sandbox,
      env: { DISPATCH_REPO: `acme/${dispatch}`, FULL_SWEEP_INTERVAL_SECONDS: "1", CLOSE_PR_ON_CANCEL: "true" },
      workerOverrides: { handler, cancelCheckMs: 200 },
    });
    const pulls = () => sandbox.admin.listPulls("acme", target);
    const say = (body: string) => sandbox.admin.createComment("acme", dispatch, issue.number, { body });
    await waitFor(() => sandbox.admin.getIssue("acme", dispatch, issue.number)?.labels.some((l) => l.name === "processed") ?? false, 60_000, "the first run done");
    expect(pulls().map((p) => p.state)).toEqual(["open"]);

    say("/agent retry");
    await waitFor(() => handler.runs === 2, 30_000, "the second run working");
    // The issue's updated_at has one-second steps: a command in the same second as the retry
    // would not move it past what the last poll saw (a known limit of the comment reader).
    await sleep(1_100);
    say("/agent cancel");
    await waitFor(() => pulls()[0]?.state === "closed", 30_000, "the PR closed");
    expect(pulls()).toHaveLength(1);
    expect(pulls()[0]?.merged_at ?? null).toBeNull();
    const number = pulls()[0]?.number ?? 0;
    await waitFor(() => sandbox.admin.listComments("acme", target, number).length === 1, 10_000, "the comment on the PR");
    expect(sandbox.admin.listComments("acme", target, number)[0]?.body).toContain("cancelled");
    const cancelReply = sandbox.admin.listComments("acme", dispatch, issue.number).find((c) => c.body.includes("The runner cancelled this task"));
    expect(cancelReply?.body).toContain("is closed (CLOSE_PR_ON_CANCEL)");
  });
});
