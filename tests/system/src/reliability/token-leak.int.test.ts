import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeFailedError } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { TraceTaskHandler, type TaskHandler } from "@agent-runner/worker";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";
import { dumpKeys } from "../test-support/redis-key-dump.js";

const run = promisify(execFile);
const DISPATCH = "dispatch-leak";
const TARGET = "target-leak";
const REFUSING = "target-refusing";

/**
 * The trace step, except for two tasks whose change step fails with the
 * token in its error, as a tool that echoes its environment would: once as a
 * permanent failure, once as a transient one that exhausts its attempts.
 */
function leakyHandler(token: string): TaskHandler {
  const trace = new TraceTaskHandler();
  return {
    name: "trace",
    traceIsTheChange: trace.traceIsTheChange,
    async apply(workspace, task) {
      if (task.taskId === "leak-permanent") {
        throw new ChangeFailedError(`tool crashed; env GITHUB_TOKEN=${token}`, `the tool printed GITHUB_TOKEN=${token}`);
      }
      if (task.taskId === "leak-transient") throw new Error(`fetch https://x-access-token:${token}@example.test failed`);
      return trace.apply(workspace, task);
    },
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe("the GitHub token", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline;
  let queue: Queue;
  let token: string;
  const taskIds = ["leak-ok", "leak-push-refused", "leak-permanent", "leak-transient"];
  const issues = new Map<string, number>();

  beforeAll(async () => {
    sandbox = await startSandbox();
    token = sandbox.tokens.owner;
    await sandbox.admin.createRepo({ owner: "acme", name: DISPATCH });
    await sandbox.admin.createRepo({ owner: "acme", name: TARGET });
    await sandbox.admin.createRepo({ owner: "acme", name: REFUSING });
    for (const taskId of taskIds) {
      const issue = sandbox.admin.createIssue("acme", DISPATCH, {
        title: taskId,
        body: formatA(taskId, `acme/${taskId === "leak-push-refused" ? REFUSING : TARGET}`),
        labels: ["copilot-agent"],
      });
      issues.set(taskId, issue.number);
    }
    // A push refused by the server: git's error text passes through the failure comment.
    sandbox.admin.injectFault({
      route: "POST /git/{owner}/{repo}.git/git-receive-pack",
      path: `/git/acme/${REFUSING}.git/git-receive-pack`,
      status: 403,
      count: Infinity,
    });
    pipeline = await startPipeline({
      sandbox,
      env: { DISPATCH_REPO: `acme/${DISPATCH}`, TASK_ATTEMPTS: "2" },
      workerOverrides: { handler: leakyHandler(token) },
    });
    queue = new Queue("tasks", { connection: pipeline.redis, prefix: pipeline.prefix });
    await waitFor(
      async () => {
        const states = await Promise.all(taskIds.map(async (id) => (await queue.getJob(id))?.getState()));
        return states.every((s) => s === "failed" || s === "completed");
      },
      90_000,
      "every job finished",
    );
  });

  afterAll(async () => {
    await queue?.close();
    await pipeline?.close();
    await sandbox?.close();
  });

  it("was really used and really failed jobs on the way (the scan below has something to look at)", async () => {
    const states = Object.fromEntries(await Promise.all(taskIds.map(async (id) => [id, await (await queue.getJob(id))?.getState()])));
    expect(states, (await queue.getJob("leak-ok"))?.failedReason).toEqual({ "leak-ok": "completed", "leak-push-refused": "failed", "leak-permanent": "failed", "leak-transient": "failed" });
    expect(pipeline.logs.text()).toContain("task attempt failed");
  });

  it("never appears in a log line of the poller or the workers", () => {
    expect(pipeline.logs.lines.length).toBeGreaterThan(20);
    expect(pipeline.logs.text()).not.toContain(token);
  });

  it("never appears in /metrics of the poller or the workers", async () => {
    const ports = [pipeline.poller?.ops.port, ...pipeline.workers.map((w) => w.ops.port)];
    for (const port of ports) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toContain("# HELP");
      expect(text).not.toContain(token);
    }
  });

  it("never appears in anything stored in Redis, failed jobs' reasons and stack traces included", async () => {
    const dump = await dumpKeys(pipeline.redis, `${pipeline.prefix}*`);
    expect(dump.size).toBeGreaterThan(4);
    const leaking = [...dump].filter(([, value]) => value.includes(token)).map(([key]) => key);
    expect(leaking).toEqual([]);
    for (const id of ["leak-permanent", "leak-transient", "leak-push-refused"]) {
      const job = await queue.getJob(id);
      expect(job?.failedReason, id).toBeTruthy();
      expect(job?.failedReason, id).not.toContain(token);
      expect(JSON.stringify(job?.stacktrace ?? []), id).not.toContain(token);
    }
  });

  it("never appears on GitHub: PR titles and bodies, dispatch comments, commits and the trace file", async () => {
    const pulls = sandbox.admin.listPulls("acme", TARGET);
    expect(pulls).toHaveLength(1);
    for (const pull of pulls) expect(`${pull.title}\n${pull.body ?? ""}`).not.toContain(token);
    const comments = [...issues.values()].flatMap((n) => sandbox.admin.listComments("acme", DISPATCH, n));
    expect(comments.filter((c) => c.body.includes("agent-runner:failed"))).toHaveLength(3);
    for (const comment of comments) expect(comment.body).not.toContain(token);
    const trace = await sandbox.admin.readFile("acme", TARGET, "agent-task-leak-ok", "agent-tasks/leak-ok.md");
    expect(trace).toContain("leak-ok");
    expect(trace).not.toContain(token);

    const dir = await mkdtemp(path.join(os.tmpdir(), "ar-leak-clone-"));
    try {
      const url = new URL(`${sandbox.gitUrl}/acme/${TARGET}.git`);
      url.username = "x-access-token";
      url.password = token;
      await run("git", ["clone", "-q", "--bare", url.toString(), dir]);
      const { stdout } = await run("git", ["-C", dir, "log", "--all", "-p", "--format=%H%n%an <%ae>%n%B"], { maxBuffer: 64 * 1024 * 1024 });
      expect(stdout).toContain("Task-Id: leak-ok");
      expect(stdout).not.toContain(token);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("never lands in a file under WORKSPACE_DIR, mirrors and their git config included", async () => {
    const files = await filesUnder(pipeline.workspaceDir);
    expect(files.some((f) => f.includes(`${path.sep}mirrors${path.sep}`) && f.endsWith(`${path.sep}config`))).toBe(true);
    const needle = Buffer.from(token);
    const leaking: string[] = [];
    for (const file of files) if ((await readFile(file)).includes(needle)) leaking.push(file);
    expect(leaking).toEqual([]);
  });
});
