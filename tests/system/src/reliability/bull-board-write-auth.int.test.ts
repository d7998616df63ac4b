import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

const USERNAME = "ops";
const PASSWORD = "correct-horse-battery-staple";
const TASK_ID = "board-auth-task";

const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString("base64")}`;

/** Every Bull Board API call that changes the queue, with the method the board uses (and POST, as a client might try). */
const WRITES: ReadonlyArray<readonly [string, string]> = [
  ["PUT", `/api/queues/tasks/${TASK_ID}/retry`],
  ["POST", `/api/queues/tasks/${TASK_ID}/retry`],
  ["PUT", "/api/queues/tasks/retry/failed"],
  ["PUT", `/api/queues/tasks/${TASK_ID}/clean`],
  ["PUT", `/api/queues/tasks/${TASK_ID}/promote`],
  ["PATCH", `/api/queues/tasks/${TASK_ID}/update-data`],
  ["PUT", "/api/queues/tasks/clean/failed"],
  ["PUT", "/api/queues/tasks/promote"],
  ["PUT", "/api/queues/tasks/pause"],
  ["PUT", "/api/queues/pause"],
  ["PUT", "/api/queues/tasks/concurrency"],
  ["PUT", "/api/queues/tasks/empty"],
  ["PUT", "/api/queues/tasks/obliterate"],
  ["POST", "/api/queues/tasks/add"],
];

/** Authorization headers that must all be refused. */
const BAD_CREDENTIALS: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ["no credentials", {}],
  ["wrong password", { authorization: basic(`${USERNAME}:wrong`) }],
  ["wrong username", { authorization: basic(`root:${PASSWORD}`) }],
  ["empty password", { authorization: basic(`${USERNAME}:`) }],
  ["password as a prefix", { authorization: basic(`${USERNAME}:${PASSWORD.slice(0, -1)}`) }],
  ["malformed basic", { authorization: "Basic !!!not-base64!!!" }],
  ["bearer scheme", { authorization: `Bearer ${PASSWORD}` }],
];

describe("the Bull Board's write API with BULL_BOARD_USERNAME/PASSWORD set", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let queue: Queue | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox();
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch-board" });
  });

  afterEach(async () => {
    await queue?.close();
    await pipeline?.close();
    queue = undefined;
    pipeline = undefined;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it("answers 401 to every write on either service without the right credentials, and changes nothing", async () => {
    // A target that does not exist: the job fails permanently and waits on the board.
    sandbox.admin.createIssue("acme", "dispatch-board", {
      title: "board",
      body: formatA(TASK_ID, "acme/missing-target"),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({
      sandbox,
      env: { DISPATCH_REPO: "acme/dispatch-board", BULL_BOARD_USERNAME: USERNAME, BULL_BOARD_PASSWORD: PASSWORD },
    });
    queue = new Queue("tasks", { connection: pipeline.redis, prefix: pipeline.prefix });
    const q = queue;
    await waitFor(async () => (await (await q.getJob(TASK_ID))?.getState()) === "failed", 60_000, "the job failed");
    const boards = [pipeline.poller?.ops.port, ...pipeline.workers.map((w) => w.ops.port)].map(
      (port) => `http://127.0.0.1:${port}/admin/queues`,
    );

    const accepted: string[] = [];
    for (const board of boards) {
      for (const [method, route] of WRITES) {
        for (const [variant, headers] of BAD_CREDENTIALS) {
          const response = await fetch(`${board}${route}`, {
            method,
            headers: { ...headers, "content-type": "application/json" },
            body: method === "GET" ? undefined : JSON.stringify({ name: "injected", data: {}, concurrency: 1 }),
          });
          await response.arrayBuffer();
          if (response.status !== 401) accepted.push(`${board} ${method} ${route} with ${variant}: ${response.status}`);
        }
      }
    }
    expect(accepted).toEqual([]);
    expect(await (await q.getJob(TASK_ID))?.getState()).toBe("failed");
    expect(await q.isPaused()).toBe(false);
    expect(await q.getJobCounts("waiting", "active", "delayed", "failed", "completed")).toMatchObject({
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 1,
      completed: 0,
    });

    // The right credentials do reach the same API: the refusals above were the guard, not a wrong path.
    const retried = await fetch(`${boards[1]}/api/queues/tasks/${TASK_ID}/retry`, {
      method: "PUT",
      headers: { authorization: basic(`${USERNAME}:${PASSWORD}`) },
    });
    expect(retried.status).toBeLessThan(300);
    await waitFor(async () => (await q.getJob(TASK_ID))?.attemptsStarted === 2, 30_000, "the retried job started again");
  });
});
