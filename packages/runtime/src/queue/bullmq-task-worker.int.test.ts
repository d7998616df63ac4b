import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FinalTaskFailure, RepoNotFoundError, sleep, type TaskJobContext } from "@agent-runner/core";
import { createRedisConnection, type RedisConnection } from "../redis/create-redis-connection.js";
import { deleteTestKeys } from "../test-support/delete-test-keys.js";
import { BullMqTaskQueue } from "./bullmq-task-queue.js";
import { BullMqTaskWorker } from "./bullmq-task-worker.js";

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const ATTEMPTS = 3;

/**
 * The queue adapter acts on the processor's verdict and judges no error
 * itself: a FinalTaskFailure ends the job at once, anything else is retried
 * until the attempts run out.
 */
describe("the BullMQ task worker in real Redis", () => {
  let connection: RedisConnection;
  let prefix: string;
  let queue: BullMqTaskQueue | undefined;
  let worker: BullMqTaskWorker | undefined;

  beforeAll(() => {
    connection = createRedisConnection({ url: REDIS_URL });
  });

  afterEach(async () => {
    await worker?.close(true);
    await queue?.queue.close();
    worker = undefined;
    queue = undefined;
    // Every key these tests write is under their own prefix.
    await deleteTestKeys(REDIS_URL, `${prefix}*`);
  });

  afterAll(() => {
    connection.disconnect();
  });

  /** Runs one job through a worker whose processor fails every attempt with `fail(attempt)`; resolves with the finished job. */
  async function runFailing(fail: (context: TaskJobContext) => unknown, secrets: string[] = []): Promise<{ attempts: number; failedReason: string }> {
    prefix = `{ar-task-worker-${randomBytes(5).toString("hex")}}`;
    queue = new BullMqTaskQueue(connection, prefix, { attempts: ATTEMPTS, backoffMs: 10 });
    let attempts = 0;
    worker = new BullMqTaskWorker({
      connection,
      prefix,
      concurrency: 1,
      timeoutMs: 60_000,
      backoffMs: 10,
      secrets,
      processor: async (context) => {
        attempts++;
        throw fail(context);
      },
    });
    worker.start();
    await worker.waitUntilReady();
    await queue.queue.add("task", { taskId: "t" }, { jobId: "t" });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const job = await queue.queue.getJob("t");
      if ((await job?.getState()) === "failed") return { attempts, failedReason: job?.failedReason ?? "" };
      if (Date.now() > deadline) throw new Error(`job t did not fail within 30 s (${attempts} attempts)`);
      await sleep(50);
    }
  }

  it("stops after the first attempt when the processor throws a FinalTaskFailure, keeping the task's own message", async () => {
    const finished = await runFailing(() => new FinalTaskFailure(new RepoNotFoundError("repository acme/nope not found")));
    expect(finished).toEqual({ attempts: 1, failedReason: "repository acme/nope not found" });
  });

  it("retries any other error until the attempts run out, a permanent one included: the processor alone decides", async () => {
    const finished = await runFailing(() => new RepoNotFoundError("repository acme/nope not found"));
    expect(finished).toEqual({ attempts: ATTEMPTS, failedReason: "repository acme/nope not found" });
  });

  it("stops when a later attempt's failure is final", async () => {
    const finished = await runFailing((context) => (context.attemptsMade === 1 ? new FinalTaskFailure(new Error("final now")) : new Error("try again")));
    expect(finished).toEqual({ attempts: 2, failedReason: "final now" });
  });

  it("masks the secrets in the message BullMQ stores for a final failure", async () => {
    const secret = `ghs_${"x".repeat(36)}`;
    const finished = await runFailing(() => new FinalTaskFailure(new Error(`push to https://${secret}@github.example failed`)), [secret]);
    expect(finished.attempts).toBe(1);
    expect(finished.failedReason).toContain("push to https://");
    expect(finished.failedReason).not.toContain(secret);
  });
});
