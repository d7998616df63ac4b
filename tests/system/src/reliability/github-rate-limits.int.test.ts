import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BullMqTaskQueue } from "@agent-runner/runtime";
import { type TaskJob } from "@agent-runner/core";
import { startSandbox, type RequestLogEntry, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";
import { auditTasks, type DispatchedTask } from "../test-support/task-audit.js";

const WRITE = new Set(["POST", "PATCH", "PUT", "DELETE"]);

describe("GitHub rate limits", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let seeded = 0;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await pipeline?.close();
    pipeline = undefined;
    sandbox.admin.setRateLimit({ limit: 5000 });
    sandbox.admin.setSecondaryLimit(null);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function seed(tasks: number): Promise<{ dispatch: string; target: string; tasks: DispatchedTask[] }> {
    const n = seeded++;
    const repos = { dispatch: `dispatch-${n}`, target: `target-${n}` };
    await sandbox.admin.createRepo({ owner: "acme", name: repos.dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: repos.target });
    const list: DispatchedTask[] = [];
    for (let i = 0; i < tasks; i++) {
      const taskId = `limit${n}-${String(i).padStart(2, "0")}-task`;
      const issue = sandbox.admin.createIssue("acme", repos.dispatch, {
        title: taskId,
        body: formatA(taskId, `acme/${repos.target}`),
        labels: ["copilot-agent"],
      });
      list.push({ taskId, issueNumber: issue.number });
    }
    return { ...repos, tasks: list };
  }

  /** Queues the tasks directly, so the worker is the only client spending the token's budget. */
  async function enqueue(p: Pipeline, dispatch: string, target: string, tasks: readonly DispatchedTask[]): Promise<void> {
    const queue = new BullMqTaskQueue(p.redis, p.prefix, { attempts: 5, backoffMs: 200 });
    const jobs: TaskJob[] = tasks.map((t) => ({
      version: 1,
      taskId: t.taskId,
      dispatchRepo: `acme/${dispatch}`,
      issueNumber: t.issueNumber,
      issueTitle: t.taskId,
      issueUrl: `https://github.example/acme/${dispatch}/issues/${t.issueNumber}`,
      instruction: "Create a simple test file.",
      targetRepo: `acme/${target}`,
      enqueuedAt: new Date().toISOString(),
    }));
    try {
      await queue.enqueue(jobs);
    } finally {
      await queue.close();
    }
  }

  function processed(dispatch: string, tasks: readonly DispatchedTask[], timeoutMs = 90_000): Promise<true> {
    return waitFor(
      () => tasks.every((t) => sandbox.admin.getIssue("acme", dispatch, t.issueNumber)?.labels.some((l) => l.name === "processed")),
      timeoutMs,
      "every task processed",
    );
  }

  async function expectOneOfEach(dispatch: string, target: string, tasks: readonly DispatchedTask[]): Promise<void> {
    for (const audit of await auditTasks(sandbox, { owner: "acme", dispatch, target }, tasks)) {
      expect(audit, audit.taskId).toMatchObject({ pulls: 1, doneComments: 1, failedComments: 0, processed: true });
      expect(audit.branches).toHaveLength(1);
    }
  }

  function apiRequestsOfOwner(): RequestLogEntry[] {
    return sandbox.admin
      .requestLog()
      .filter((e) => e.kind === "api" && e.user === sandbox.users.owner)
      .sort((a, b) => a.at - b.at);
  }

  /**
   * After the first rate-limited answer, the next request may come only once the window
   * that limited it has reset. `x-ratelimit-reset` is whole seconds (rounded down), so a
   * well-behaved client may start up to 1 s before the exact window end; anything earlier
   * is a client that did not wait.
   */
  function expectWaitedForReset(entries: RequestLogEntry[], windowSeconds: number): void {
    const limitedAt = entries.findIndex((e) => e.limited === "primary");
    expect(limitedAt, "a request was rate limited").toBeGreaterThan(0);
    const windowStart = entries[0]?.at ?? 0;
    const reset = windowStart + windowSeconds * 1000 - 1000;
    const limited = entries[limitedAt] as RequestLogEntry;
    const next = entries[limitedAt + 1];
    expect(next, "a request after the limited one").toBeDefined();
    const tooEarly = entries.filter((e) => e.at > limited.at && e.at < reset);
    expect(tooEarly.map((e) => `${e.method} ${e.path} +${e.at - limited.at}ms`)).toEqual([]);
    expect(entries.filter((e) => e.limited === "primary").length, "limited answers (no tight loop)").toBeLessThanOrEqual(2);
  }

  it.each([403, 429] as const)(
    "makes a worker that hits the primary limit (%i, remaining 0) wait for the reset, then finish the task",
    async (status) => {
      const repos = await seed(1);
      pipeline = await startPipeline({ sandbox, poller: false, env: { DISPATCH_REPO: `acme/${repos.dispatch}`, WORKER_CONCURRENCY: "1" } });
      const windowSeconds = 5;
      // The task needs five API calls: the third answer leaves nothing for the fourth.
      sandbox.admin.setRateLimit({ limit: 3, windowSeconds, status });
      sandbox.admin.clearRequestLog();
      await enqueue(pipeline, repos.dispatch, repos.target, repos.tasks);
      await processed(repos.dispatch, repos.tasks);

      expectWaitedForReset(apiRequestsOfOwner(), windowSeconds);
      await expectOneOfEach(repos.dispatch, repos.target, repos.tasks);
    },
  );

  it("makes a poller that hits the primary limit wait for the reset instead of polling on", async () => {
    const repos = await seed(1);
    const windowSeconds = 5;
    sandbox.admin.setRateLimit({ limit: 1, windowSeconds });
    sandbox.admin.clearRequestLog();
    pipeline = await startPipeline({ sandbox, workers: 0, env: { DISPATCH_REPO: `acme/${repos.dispatch}` } });
    await waitFor(
      () => {
        const entries = apiRequestsOfOwner();
        const limited = entries.findIndex((e) => e.limited === "primary");
        return limited !== -1 && entries.slice(limited + 1).some((e) => e.status < 400);
      },
      60_000,
      "a successful poll after the limited one",
    );
    expectWaitedForReset(apiRequestsOfOwner(), windowSeconds);
  });

  it("waits as long as a secondary limit's retry-after says before writing again", async () => {
    const repos = await seed(1);
    pipeline = await startPipeline({ sandbox, poller: false, env: { DISPATCH_REPO: `acme/${repos.dispatch}`, WORKER_CONCURRENCY: "1" } });
    const retryAfterSeconds = 3;
    sandbox.admin.setSecondaryLimit({ writes: 1, windowSeconds: retryAfterSeconds, retryAfterSeconds });
    sandbox.admin.clearRequestLog();
    const hitsBefore = sandbox.admin.secondaryLimitHits();
    await enqueue(pipeline, repos.dispatch, repos.target, repos.tasks);
    await processed(repos.dispatch, repos.tasks);

    const writes = apiRequestsOfOwner().filter((e) => WRITE.has(e.method));
    const limited = writes.filter((e) => e.limited === "secondary");
    expect(limited.length).toBeGreaterThan(0);
    expect(sandbox.admin.secondaryLimitHits() - hitsBefore).toBe(limited.length);
    for (const hit of limited) {
      const next = writes.find((e) => e.at > hit.at);
      expect(next, `a write after the limited ${hit.method} ${hit.path}`).toBeDefined();
      expect((next?.at ?? 0) - hit.at, `${hit.method} ${hit.path} retried too soon`).toBeGreaterThanOrEqual(retryAfterSeconds * 1000);
    }
    await expectOneOfEach(repos.dispatch, repos.target, repos.tasks);
  });

  describe("a fleet of 4 workers × concurrency 2 against a secondary limit of 20 writes per 10 s", () => {
    const TASKS = 16;
    const limit = { writes: 20, windowSeconds: 10, retryAfterSeconds: 10 };
    const fleetEnv = { WORKER_CONCURRENCY: "2" };

    function busiestWindow(): number {
      const writes = apiRequestsOfOwner().filter((e) => WRITE.has(e.method));
      return Math.max(0, ...writes.map((w) => writes.filter((x) => x.at >= w.at && x.at < w.at + limit.windowSeconds * 1000).length));
    }

    /**
     * Runs the whole batch on 4 workers with the given fleet budget, to the end
     * (the limited writes wait out their retry-after, so nothing is in flight at
     * close), and returns the secondary-limit answers it caused.
     */
    async function runFleet(label: string, writesPerMinute: string): Promise<{ repos: Awaited<ReturnType<typeof seed>>; hits: number }> {
      const repos = await seed(TASKS);
      sandbox.admin.setSecondaryLimit(limit);
      sandbox.admin.clearRequestLog();
      const hitsBefore = sandbox.admin.secondaryLimitHits();
      pipeline = await startPipeline({
        sandbox,
        workers: 4,
        env: { ...fleetEnv, DISPATCH_REPO: `acme/${repos.dispatch}`, GITHUB_WRITES_PER_MINUTE: writesPerMinute },
      });
      await processed(repos.dispatch, repos.tasks, 180_000);
      console.log(`${label}: busiest ${limit.windowSeconds} s window held ${busiestWindow()} writes`);
      return { repos, hits: sandbox.admin.secondaryLimitHits() - hitsBefore };
    }

    it("never trips it when GITHUB_WRITES_PER_MINUTE spaces the writes of all workers", async () => {
      // 90 a minute is one write every 667 ms: at most 16 in any 10 s window.
      const { repos, hits } = await runFleet("budgeted fleet", "90");
      expect(hits).toBe(0);
      await expectOneOfEach(repos.dispatch, repos.target, repos.tasks);
    });

    it("does trip it with the same load and the budget off (the control)", async () => {
      const { hits } = await runFleet("unbudgeted fleet", "0");
      expect(hits).toBeGreaterThan(0);
    });
  });
});
