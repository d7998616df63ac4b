import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { deleteKeysWithPrefix, formatA, ProcessFleet, REDIS_URL, RedisServerProcess, uniquePrefix, waitFor } from "@agent-runner/test-kit";

describe("graceful shutdown of real service processes", () => {
  let sandbox: Sandbox;
  let workspace: string;
  const prefix = uniquePrefix("test");
  const redis = new Redis(REDIS_URL);
  let fleet: ProcessFleet;

  beforeAll(async () => {
    sandbox = await startSandbox();
    workspace = await mkdtemp(path.join(os.tmpdir(), "ar-shutdown-"));
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target" });
  });

  beforeEach(() => {
    fleet = new ProcessFleet(env());
  });

  afterEach(async () => {
    await fleet.close();
  });

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await sandbox.close();
    await rm(workspace, { recursive: true, force: true });
  });

  function env(): Record<string, string> {
    return {
      GITHUB_TOKEN: sandbox.tokens.owner,
      GITHUB_API_URL: sandbox.apiUrl,
      DISPATCH_REPO: "acme/dispatch",
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      POLL_INTERVAL_SECONDS: "1",
      WORKSPACE_DIR: workspace,
      PORT: "0",
      GITHUB_WRITES_PER_MINUTE: "0",
    };
  }

  it("lets a worker finish its active job on SIGTERM, then exit 0", async () => {
    // Slow GitHub: the job is mid-flight when the signal arrives.
    sandbox.admin.setLatency(400);
    const issue = sandbox.admin.createIssue("acme", "dispatch", {
      title: "slow",
      body: formatA("shutdown-task-1", "acme/target"),
      labels: ["copilot-agent"],
    });
    const poller = fleet.start("poller");
    const worker = fleet.start("worker");
    await waitFor(() => worker.lines.some((l) => l["step"] === "clone"), 60_000, "the job to start");
    worker.signal("SIGTERM");
    expect((await worker.exited).code).toBe(0);
    sandbox.admin.setLatency(0);
    expect(worker.lines.some((l) => l.msg === "worker stopped")).toBe(true);
    // The job was finished, not abandoned: its PR, comment and label exist.
    expect(sandbox.admin.getIssue("acme", "dispatch", issue.number)?.labels.map((l) => l.name)).toContain("processed");
    expect(sandbox.admin.listPulls("acme", "target")).toHaveLength(1);
    const queue = new Queue("tasks", { connection: redis, prefix });
    try {
      expect(await queue.getJobCounts("active", "completed")).toEqual({ active: 0, completed: 1 });
    } finally {
      await queue.close();
    }
    poller.signal("SIGTERM");
    expect((await poller.exited).code).toBe(0);
    expect(poller.lines.some((l) => l.msg === "poller stopped")).toBe(true);
  });

  it("gives up stopping after the deadline when Redis is gone, instead of hanging", async () => {
    const server = await RedisServerProcess.start();
    try {
      const stuck = fleet.start("worker", { REDIS_URL: server.url, TASK_TIMEOUT_SECONDS: "1" });
      await waitFor(() => stuck.lines.some((l) => l.msg === "worker started"), 30_000, "the worker to start");
      await new Promise((r) => setTimeout(r, 1000));
      // Redis goes away under a connected worker: closing its queue connections now waits forever.
      await server.stop();
      stuck.signal("SIGTERM");
      expect((await stuck.exited).code).toBe(1);
      expect(stuck.output()).toContain("did not stop within the deadline");
    } finally {
      await server.destroy();
    }
  }, 90_000);

  it("exits with status 2 and names the variable when the configuration is invalid", async () => {
    // A variable the worker reads (POLL_INTERVAL_SECONDS is the poller's alone since the per-service configs).
    const bad = fleet.start("worker", { WORKER_CONCURRENCY: "soon" });
    expect((await bad.exited).code).toBe(2);
    expect(bad.output()).toContain("WORKER_CONCURRENCY");
    expect(bad.output()).not.toContain(sandbox.tokens.owner);
  });
});
