import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { deleteKeys, formatA, REDIS_URL, waitFor } from "./test-support/pipeline-harness.js";
import { RedisServerProcess } from "./test-support/redis-server-process.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));

interface ServiceProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exit: Promise<number | null>;
}

function startService(service: "poller" | "worker", env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [path.join(root, "services", service, "dist", "main.js")], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  child.stderr?.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, lines, exit };
}

describe("graceful shutdown of real service processes", () => {
  let sandbox: Sandbox;
  let workspace: string;
  const prefix = `{ar-test-${randomBytes(5).toString("hex")}}`;
  const redis = new Redis(REDIS_URL);
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    workspace = await mkdtemp(path.join(os.tmpdir(), "ar-shutdown-"));
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target" });
  });

  afterEach(() => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  });

  afterAll(async () => {
    await deleteKeys(redis, `${prefix}*`);
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
    const poller = startService("poller", env());
    const worker = startService("worker", env());
    running.push(poller, worker);
    await waitFor(() => worker.lines.some((l) => l.includes('"step":"clone"')), 60_000, "the job to start");
    worker.child.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
    sandbox.admin.setLatency(0);
    expect(worker.lines.some((l) => l.includes('"msg":"worker stopped"'))).toBe(true);
    // The job was finished, not abandoned: its PR, comment and label exist.
    expect(sandbox.admin.getIssue("acme", "dispatch", issue.number)?.labels.map((l) => l.name)).toContain("processed");
    expect(sandbox.admin.listPulls("acme", "target")).toHaveLength(1);
    const queue = new Queue("tasks", { connection: redis, prefix });
    try {
      expect(await queue.getJobCounts("active", "completed")).toEqual({ active: 0, completed: 1 });
    } finally {
      await queue.close();
    }
    poller.child.kill("SIGTERM");
    expect(await poller.exit).toBe(0);
    expect(poller.lines.some((l) => l.includes('"msg":"poller stopped"'))).toBe(true);
  });

  it("gives up stopping after the deadline when Redis is gone, instead of hanging", async () => {
    const server = await RedisServerProcess.start();
    try {
      const stuck = startService("worker", { ...env(), REDIS_URL: server.url, TASK_TIMEOUT_SECONDS: "1" });
      running.push(stuck);
      await waitFor(() => stuck.lines.some((l) => l.includes('"msg":"worker started"')), 30_000, "the worker to start");
      await new Promise((r) => setTimeout(r, 1000));
      // Redis goes away under a connected worker: closing its queue connections now waits forever.
      await server.stop();
      stuck.child.kill("SIGTERM");
      expect(await stuck.exit).toBe(1);
      expect(stuck.lines.some((l) => l.includes("did not stop within the deadline"))).toBe(true);
    } finally {
      await server.destroy();
    }
  }, 90_000);

  it("exits with status 2 and names the variable when the configuration is invalid", async () => {
    const bad = startService("worker", { ...env(), POLL_INTERVAL_SECONDS: "soon" });
    running.push(bad);
    expect(await bad.exit).toBe(2);
    expect(bad.lines.join("\n")).toContain("POLL_INTERVAL_SECONDS");
    expect(bad.lines.join("\n")).not.toContain(sandbox.tokens.owner);
  });
});
