import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, ProcessFleet, RedisServerProcess, uniquePrefix, waitFor } from "@agent-runner/test-kit";
import { auditTasks, type DispatchedTask } from "../test-support/task-audit.js";

const TASKS = 6;

/** GET /readyz with a deadline: a probe that hangs is as bad as one that lies. */
async function readiness(port: number): Promise<number | "timeout"> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return "timeout";
  }
}

describe("a Redis restart under running services", () => {
  let sandbox: Sandbox;
  let redisServer: RedisServerProcess;
  let fleet: ProcessFleet | undefined;
  let workspaceDir: string;

  beforeEach(async () => {
    sandbox = await startSandbox();
    redisServer = await RedisServerProcess.start({ appendOnly: true });
    workspaceDir = await mkdtemp(path.join(os.tmpdir(), "ar-redis-restart-"));
  });

  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
    await redisServer.destroy();
    await sandbox.close();
    await rm(workspaceDir, { recursive: true, force: true });
  });

  it("answers 503 on /readyz while Redis is down, then reconnects by itself and completes every queued job", async () => {
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target" });
    const tasks: DispatchedTask[] = [];
    for (let i = 0; i < TASKS; i++) {
      const taskId = `redis-${i}-${randomBytes(3).toString("hex")}`;
      const issue = sandbox.admin.createIssue("acme", "dispatch", {
        title: taskId,
        body: formatA(taskId, "acme/target"),
        labels: ["copilot-agent"],
      });
      tasks.push({ taskId, issueNumber: issue.number });
    }
    // Slow GitHub answers keep most jobs queued or in flight when Redis goes away.
    sandbox.admin.setLatency(400);
    const prefix = uniquePrefix("test");
    fleet = new ProcessFleet({
      GITHUB_TOKEN: sandbox.tokens.owner,
      GITHUB_API_URL: sandbox.apiUrl,
      DISPATCH_REPO: "acme/dispatch",
      REDIS_URL: redisServer.url,
      QUEUE_PREFIX: prefix,
      WORKSPACE_DIR: workspaceDir,
      PORT: "0",
      POLL_INTERVAL_SECONDS: "1",
      TASK_ATTEMPTS: "10",
      GITHUB_WRITES_PER_MINUTE: "0",
      WORKER_CONCURRENCY: "2",
      JOB_LOCK_SECONDS: "5",
      STALLED_CHECK_SECONDS: "2",
      LOG_LEVEL: "info",
    });
    const poller = fleet.start("poller");
    const worker = fleet.start("worker");
    const ports = { poller: await poller.opsPort(), worker: await worker.opsPort() };

    const client = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    client.on("error", () => undefined);
    const queue = new Queue("tasks", { connection: client, prefix });
    try {
      await waitFor(async () => (await queue.getJobs(["waiting", "active", "delayed", "completed"])).length === TASKS, 60_000, "all jobs enqueued");
      const before = await queue.getJobCounts("completed");
      // Each job's creation time: after the restart the same jobs must be there (replayed from the AOF), not new ones.
      const created = new Map<string, number>();
      for (const t of tasks) created.set(t.taskId, (await queue.getJob(t.taskId))?.timestamp ?? -1);

      await redisServer.stop();
      const during = {
        poller: await waitFor(async () => ((await readiness(ports.poller)) === 503 ? 503 : undefined), 30_000, "poller /readyz 503"),
        worker: await waitFor(async () => ((await readiness(ports.worker)) === 503 ? 503 : undefined), 30_000, "worker /readyz 503"),
      };
      await new Promise((r) => setTimeout(r, 3_000));
      const aliveDuringOutage = { poller: poller.alive, worker: worker.alive };
      await redisServer.restart();
      const replayed = new Map<string, number>();
      for (const t of tasks) replayed.set(t.taskId, (await queue.getJob(t.taskId))?.timestamp ?? -1);

      await waitFor(
        async () => (await queue.getJobCounts("completed"))["completed"] === TASKS,
        180_000,
        "every job completed after the restart",
      );
      const after = {
        poller: await waitFor(async () => ((await readiness(ports.poller)) === 200 ? 200 : undefined), 60_000, "poller ready"),
        worker: await waitFor(async () => ((await readiness(ports.worker)) === 200 ? 200 : undefined), 60_000, "worker ready"),
      };

      expect(before["completed"]).toBeLessThan(TASKS);
      expect(replayed).toEqual(created);
      expect(during).toEqual({ poller: 503, worker: 503 });
      expect(aliveDuringOutage).toEqual({ poller: true, worker: true });
      expect(after).toEqual({ poller: 200, worker: 200 });
      // The same two processes did all the work: nothing was restarted.
      expect(fleet.processes.map((p) => p.alive)).toEqual([true, true]);
      const audits = await auditTasks(sandbox, { owner: "acme", dispatch: "dispatch", target: "target" }, tasks);
      for (const audit of audits) {
        expect(audit, audit.taskId).toMatchObject({ pulls: 1, doneComments: 1, failedComments: 0, processed: true });
        expect(audit.branches, audit.taskId).toHaveLength(1);
      }
    } finally {
      await queue.close();
      client.disconnect();
    }
  });
});
