import { randomBytes, randomInt } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { deleteKeysWithPrefix, formatA, ProcessFleet, REDIS_URL, uniquePrefix, waitFor, type LogLine, type ServiceProcess } from "@agent-runner/test-kit";
import { KillLedger, percentile } from "../test-support/kill-ledger.js";
import {
  writeReliabilityResults,
  type BoundaryKillResult,
  type RandomKillResult,
} from "../test-support/reliability-results-doc.js";
import { agentBranchTaskIds, auditTasks, duplicatesIn, lostIn, type DispatchedTask } from "../test-support/task-audit.js";

const JOB_LOCK_SECONDS = 5;
const STALLED_CHECK_SECONDS = 2;
const RANDOM_WORKERS = 2;
const RANDOM_CONCURRENCY = 2;
const MIN_RANDOM_KILLS = 50;

interface Boundary {
  readonly name: string;
  readonly matches: (line: LogLine) => boolean;
}

const stepFinished = (step: string, extra: (line: LogLine) => boolean = () => true) => (line: LogLine) =>
  line.msg === "step finished" && line["step"] === step && extra(line);

/** The step boundaries a worker is killed at: after each write it makes. */
const BOUNDARIES: readonly Boundary[] = [
  { name: "clone", matches: stepFinished("clone") },
  { name: "commit", matches: stepFinished("change", (l) => l["committed"] === true) },
  { name: "push", matches: stepFinished("push") },
  { name: "pr", matches: stepFinished("pr") },
  { name: "comment", matches: stepFinished("comment") },
];

describe("worker processes killed with SIGKILL at any point", () => {
  let sandbox: Sandbox;
  let redis: Redis;
  let prefix: string;
  let workspaceDir: string;
  let fleet: ProcessFleet | undefined;
  let queue: Queue;
  const boundaryResults: BoundaryKillResult[] = [];
  let randomResult: RandomKillResult | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  beforeEach(async () => {
    prefix = uniquePrefix("test");
    workspaceDir = await mkdtemp(path.join(os.tmpdir(), "ar-chaos-"));
    queue = new Queue("tasks", { connection: redis, prefix });
  });

  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
    await queue.close();
    await deleteKeysWithPrefix(redis, prefix);
    await rm(workspaceDir, { recursive: true, force: true });
    sandbox.admin.setLatency(0);
  });

  afterAll(async () => {
    redis.disconnect();
    await sandbox.close();
    if (boundaryResults.length > 0 || randomResult !== undefined) {
      await writeReliabilityResults({
        settings: {
          jobLockSeconds: JOB_LOCK_SECONDS,
          stalledCheckSeconds: STALLED_CHECK_SECONDS,
          workers: RANDOM_WORKERS,
          concurrency: RANDOM_CONCURRENCY,
        },
        boundaries: boundaryResults,
        random: randomResult,
      });
    }
  });

  async function seed(name: string): Promise<{ dispatch: string; target: string }> {
    const repos = { dispatch: `dispatch-${name}`, target: `target-${name}` };
    await sandbox.admin.createRepo({ owner: "acme", name: repos.dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: repos.target, files: { "README.md": "# target\n" } });
    return repos;
  }

  function startFleet(dispatch: string, concurrency: number): ProcessFleet {
    fleet = new ProcessFleet({
      GITHUB_TOKEN: sandbox.tokens.owner,
      GITHUB_API_URL: sandbox.apiUrl,
      DISPATCH_REPO: `acme/${dispatch}`,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      WORKSPACE_DIR: workspaceDir,
      PORT: "0",
      POLL_INTERVAL_SECONDS: "1",
      TASK_ATTEMPTS: "10",
      GITHUB_WRITES_PER_MINUTE: "0",
      WORKER_CONCURRENCY: String(concurrency),
      JOB_LOCK_SECONDS: String(JOB_LOCK_SECONDS),
      STALLED_CHECK_SECONDS: String(STALLED_CHECK_SECONDS),
      LOG_LEVEL: "info",
    });
    return fleet;
  }

  function dispatchTask(dispatch: string, target: string, taskId: string): DispatchedTask {
    const issue = sandbox.admin.createIssue("acme", dispatch, {
      title: `chaos ${taskId}`,
      body: formatA(taskId, `acme/${target}`),
      labels: ["copilot-agent"],
    });
    return { taskId, issueNumber: issue.number };
  }

  function unprocessed(dispatch: string, tasks: readonly DispatchedTask[]): DispatchedTask[] {
    return tasks.filter(
      (t) => !(sandbox.admin.getIssue("acme", dispatch, t.issueNumber)?.labels.some((l) => l.name === "processed") ?? false),
    );
  }

  /** Waits until every task is labelled and the queue holds no job that is not completed. */
  async function drain(dispatch: string, tasks: readonly DispatchedTask[], timeoutMs: number): Promise<void> {
    await waitFor(() => unprocessed(dispatch, tasks).length === 0, timeoutMs, "every task labelled processed").catch(
      () => undefined,
    );
    await waitFor(
      async () => {
        const counts = await queue.getJobCounts("active", "waiting", "delayed", "completed");
        return counts["active"] === 0 && counts["waiting"] === 0 && counts["delayed"] === 0 && counts["completed"] === tasks.length;
      },
      60_000,
      "an empty queue with every job completed",
    ).catch(() => undefined);
  }

  async function jobState(taskId: string): Promise<string> {
    return (await (await queue.getJob(taskId))?.getState()) ?? "missing";
  }

  it("finishes each task exactly once when its worker is killed right after clone, commit, push, PR and comment", async () => {
    const repos = await seed("boundaries");
    const services = startFleet(repos.dispatch, 1);
    // Slow API answers keep the next write in flight when the kill lands, so each kill
    // interrupts the job at the boundary instead of after it completed.
    sandbox.admin.setLatency(300);
    const ledger = new KillLedger();
    services.start("poller");
    let worker = services.start("worker");
    const tasks: DispatchedTask[] = [];
    const states: string[] = [];
    for (const boundary of BOUNDARIES) {
      const task = dispatchTask(repos.dispatch, repos.target, `${boundary.name}-kill-${randomBytes(3).toString("hex")}`);
      tasks.push(task);
      const victim: ServiceProcess = worker;
      let killedAt = 0;
      await victim.waitForLine((l) => boundary.matches(l) && l["taskId"] === task.taskId, {
        timeoutMs: 120_000,
        onMatch: () => {
          victim.signal("SIGKILL");
          killedAt = Date.now();
        },
      });
      states.push(await jobState(task.taskId));
      await victim.exited;
      ledger.record(victim, `after ${boundary.name}`, killedAt);
      worker = services.start("worker");
    }
    await drain(repos.dispatch, tasks, 240_000);

    const audits = await auditTasks(sandbox, { owner: "acme", ...repos }, tasks);
    const recoveries = ledger.recoveries(services.processes);
    BOUNDARIES.forEach((boundary, i) => {
      const audit = audits[i];
      const taskId = tasks[i]?.taskId ?? "";
      boundaryResults.push({
        boundary: boundary.name,
        taskId,
        stateAtKill: states[i] ?? "?",
        recoveryMs: recoveries.find((r) => r.jobId === taskId)?.ms,
        branches: audit?.branches.length ?? 0,
        pulls: audit?.pulls ?? 0,
        doneComments: audit?.doneComments ?? 0,
        processed: audit?.processed ?? false,
      });
    });
    console.log(`boundary kills: ${JSON.stringify(boundaryResults)}`);

    expect(states).toEqual(BOUNDARIES.map(() => "active"));
    // No stray agent-task-* branch either: one per task, each holding that task's commits.
    expect((await agentBranchTaskIds(sandbox, { owner: "acme", ...repos })).size).toBe(tasks.length);
    for (const audit of audits) {
      expect(audit, audit.taskId).toMatchObject({ pulls: 1, doneComments: 1, failedComments: 0, processed: true });
      expect(audit.branches, audit.taskId).toHaveLength(1);
    }
    expect((await queue.getJobCounts("active"))["active"]).toBe(0);
  });

  it(`finishes every task exactly once through at least ${MIN_RANDOM_KILLS} random kills of ${RANDOM_WORKERS} workers`, async () => {
    const started = Date.now();
    const repos = await seed("random");
    const services = startFleet(repos.dispatch, RANDOM_CONCURRENCY);
    const ledger = new KillLedger();
    const tasks: DispatchedTask[] = [];
    const addTasks = (n: number): void => {
      for (let i = 0; i < n; i++) {
        // Distinct 8-character prefixes: one branch name per task.
        const n2 = String(tasks.length).padStart(3, "0");
        tasks.push(dispatchTask(repos.dispatch, repos.target, `r${n2}-${randomBytes(4).toString("hex")}`));
      }
    };
    addTasks(24);
    // Slower API answers stretch each task, so more kills land inside one.
    sandbox.admin.setLatency(150);
    services.start("poller");
    const slots: ServiceProcess[] = Array.from({ length: RANDOM_WORKERS }, () => services.start("worker"));
    let boundaryKills = 0;
    let delayKills = 0;
    while (ledger.kills.length < MIN_RANDOM_KILLS) {
      // Keep work in flight until enough kills happened: top up with a few more tasks.
      if (unprocessed(repos.dispatch, tasks).length < 3 && tasks.length < 45) addTasks(3);
      const slot = randomInt(slots.length);
      const victim = slots[slot] as ServiceProcess;
      const boundary = BOUNDARIES[randomInt(BOUNDARIES.length)] as Boundary;
      let reason: string;
      let killedAt = 0;
      const kill = (): void => {
        victim.signal("SIGKILL");
        killedAt ||= Date.now();
      };
      if (randomInt(10) < 7) {
        const hit = await victim
          .waitForLine(boundary.matches, { from: victim.lines.length, timeoutMs: 6_000, onMatch: kill })
          .then(() => true)
          .catch(() => false);
        reason = hit ? `after ${boundary.name}` : "after waiting 6 s for a boundary";
        if (hit) boundaryKills++;
        else delayKills++;
      } else {
        const delay = 200 + randomInt(2000);
        await new Promise((r) => setTimeout(r, delay));
        reason = `after ${delay} ms`;
        delayKills++;
      }
      kill();
      await victim.exited;
      ledger.record(victim, reason, killedAt);
      slots[slot] = services.start("worker");
    }
    await drain(repos.dispatch, tasks, 300_000);

    const audits = await auditTasks(sandbox, { owner: "acme", ...repos }, tasks);
    const duplicates = duplicatesIn(audits);
    const lost = lostIn(audits);
    const recoveries = ledger.recoveries(services.processes);
    const recovered = recoveries.flatMap((r) => (r.ms === undefined ? [] : [r.ms]));
    randomResult = {
      tasks: tasks.length,
      kills: ledger.kills.length,
      boundaryKills,
      delayKills,
      duplicates,
      lost,
      recoveryP50Ms: percentile(recovered, 50),
      recoveryMaxMs: percentile(recovered, 100),
      interruptedJobs: recoveries.length,
      durationSeconds: (Date.now() - started) / 1000,
    };
    const p50 = randomResult.recoveryP50Ms;
    const max = randomResult.recoveryMaxMs;
    console.log(
      `tasks=${tasks.length} kills=${ledger.kills.length} duplicates=${duplicates} lost=${lost} ` +
        `recovery p50=${p50 ?? "n/a"}ms max=${max ?? "n/a"}ms interrupted=${recoveries.length}`,
    );
    const failed = audits.filter((a) => a.failedComments > 0 || a.branches.length !== 1 || a.pulls !== 1 || a.doneComments !== 1 || !a.processed);
    expect(failed, JSON.stringify(failed)).toEqual([]);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect((await agentBranchTaskIds(sandbox, { owner: "acme", ...repos })).size).toBe(tasks.length);
    expect(ledger.kills.length).toBeGreaterThanOrEqual(MIN_RANDOM_KILLS);
    // Every job a kill interrupted was taken up again by some worker.
    expect(recoveries.filter((r) => r.ms === undefined)).toEqual([]);
    expect((await queue.getJobCounts("active"))["active"]).toBe(0);
  });
});
