import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { TraceTaskHandler, type TaskHandler } from "@agent-runner/worker";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

/** Wraps the trace step, remembering each workspace it was given (and proving it existed then). */
function recordingHandler(slow: "none" | "until-aborted" | "ignoring-abort"): TaskHandler & { readonly dirs: string[] } {
  const trace = new TraceTaskHandler();
  const dirs: string[] = [];
  return {
    name: "trace",
    traceIsTheChange: trace.traceIsTheChange,
    dirs,
    async apply(workspace, task, signal) {
      dirs.push(workspace.dir);
      await writeFile(path.join(workspace.dir, "scratch.txt"), "work in progress\n");
      if (slow === "until-aborted") {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, 30_000);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(signal.reason as Error);
          });
        });
      } else if (slow === "ignoring-abort") {
        // A change step that does not listen: the attempt ends when it returns.
        await new Promise((r) => setTimeout(r, 3_000));
      }
      return trace.apply(workspace, task);
    },
  };
}

describe("job workspaces", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let queue: Queue | undefined;
  let seeded = 0;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await queue?.close();
    await pipeline?.close();
    queue = undefined;
    pipeline = undefined;
    sandbox.admin.clearFaults();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function runOne(
    handler: TaskHandler,
    env: Record<string, string>,
    fault?: "refuse-push",
  ): Promise<{ p: Pipeline; q: Queue; taskId: string; issueNumber: number; dispatch: string }> {
    const n = seeded++;
    const dispatch = `dispatch-ws-${n}`;
    const target = `target-ws-${n}`;
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target });
    const taskId = `workspace-${n}-task`;
    const issue = sandbox.admin.createIssue("acme", dispatch, { title: taskId, body: formatA(taskId, `acme/${target}`), labels: ["copilot-agent"] });
    if (fault === "refuse-push") {
      sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", path: `/git/acme/${target}.git/git-receive-pack`, status: 403, count: Infinity });
    }
    pipeline = await startPipeline({ sandbox, env: { DISPATCH_REPO: `acme/${dispatch}`, ...env }, workerOverrides: { handler } });
    queue = new Queue("tasks", { connection: pipeline.redis, prefix: pipeline.prefix });
    const q = queue;
    await waitFor(async () => (await (await q.getJob(taskId))?.getState()) === "failed", 60_000, `${taskId} failed`);
    return { p: pipeline, q, taskId, issueNumber: issue.number, dispatch };
  }

  async function jobDirsLeft(p: Pipeline): Promise<string[]> {
    const jobs = path.join(p.workspaceDir, "jobs");
    return existsSync(jobs) ? readdir(jobs) : [];
  }

  it("is removed after the job fails (push refused)", async () => {
    const handler = recordingHandler("none");
    const { p } = await runOne(handler, { TASK_ATTEMPTS: "1" }, "refuse-push");
    expect(handler.dirs).toHaveLength(1);
    expect(existsSync(handler.dirs[0] ?? "")).toBe(false);
    expect(await jobDirsLeft(p)).toEqual([]);
  });

  it.each(["until-aborted", "ignoring-abort"] as const)(
    "is removed after the job times out (TASK_TIMEOUT_SECONDS=2, change step running %s), with one timeout comment",
    async (slow) => {
      const handler = recordingHandler(slow);
      // Two seconds leave room for the clone on a busy machine, so the change step is what times out.
      const { p, q, taskId, issueNumber, dispatch } = await runOne(handler, { TASK_TIMEOUT_SECONDS: "2", TASK_ATTEMPTS: "3" });
      expect(handler.dirs).toHaveLength(1);
      expect(existsSync(handler.dirs[0] ?? "")).toBe(false);
      expect(await jobDirsLeft(p)).toEqual([]);
      expect((await q.getJob(taskId))?.attemptsMade).toBe(1);
      const comments = sandbox.admin.listComments("acme", dispatch, issueNumber);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toMatch(/timeout/i);
    },
  );
});
