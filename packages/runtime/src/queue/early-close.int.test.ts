import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRedisConnection } from "../redis/create-redis-connection.js";
import { deleteTestKeys } from "../test-support/delete-test-keys.js";
import { startLaggingProxy, type LaggingProxy } from "../test-support/lagging-proxy.js";
import { BullMqTaskQueue } from "./bullmq-task-queue.js";
import { BullMqTaskWorker } from "./bullmq-task-worker.js";

const REDIS = new URL(process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379");
const REDIS_URL = REDIS.href;

/**
 * A service that stops, or fails to start, moments after building its queue
 * and worker closes them while BullMQ may still be starting on the shared
 * connection. BullMQ 5.81 drops its listeners on close; a start-up still
 * waiting on Redis then fails with nobody listening, an unhandled rejection
 * (two clean-clone CI runs caught one, from a worker stopped right after it
 * started on a loaded machine).
 */
describe("closing the queue and the worker early", () => {
  const unheard: unknown[] = [];
  const listen = (reason: unknown): void => void unheard.push(reason);
  let proxy: LaggingProxy | undefined;
  const run = randomBytes(4).toString("hex");
  let made = 0;

  beforeEach(() => {
    unheard.length = 0;
    process.on("unhandledRejection", listen);
  });

  afterEach(async () => {
    process.off("unhandledRejection", listen);
    await proxy?.close();
    proxy = undefined;
  });

  afterAll(async () => {
    // Every key these tests write is under this run's prefixes.
    await deleteTestKeys(REDIS_URL, `{ar-early-close-${run}-*`);
  });

  /** A queue of its own per round: BullMQ writes the queue's meta hash once it has started. */
  function prefix(): string {
    return `{ar-early-close-${run}-${made++}}`;
  }

  it("leaves no rejection unheard when the queue closes anywhere in its start-up", async () => {
    for (let round = 0; round < 150; round++) {
      const connection = createRedisConnection({ url: REDIS_URL, connectionName: "ar-early-close-test" });
      const queue = new BullMqTaskQueue(connection, prefix(), { attempts: 1, backoffMs: 10 });
      // From before the connection is up to after BullMQ's version check.
      await sleep((round % 10) / 2);
      await queue.closeWithConnection();
    }
    // The rejections of the last rounds would arrive with the sockets' close events.
    await sleep(200);

    expect(unheard).toEqual([]);
  });

  it("leaves no rejection unheard when a worker stops right after it started, on a Redis slow to answer", async () => {
    proxy = await startLaggingProxy({ host: REDIS.hostname, port: Number(REDIS.port || 6379) }, 30);
    let workersStarted = 0;
    for (let round = 0; round < 10; round++) {
      const connection = createRedisConnection({ url: proxy.url, connectionName: "ar-early-close-test" });
      const queuePrefix = prefix();
      const queue = new BullMqTaskQueue(connection, queuePrefix, { attempts: 1, backoffMs: 10 });
      await queue.queue.waitUntilReady();
      const worker = new BullMqTaskWorker({
        connection,
        prefix: queuePrefix,
        concurrency: 1,
        timeoutMs: 5_000,
        backoffMs: 10,
        processor: () => Promise.resolve(),
      });
      worker.start();
      // Closed at once: the worker's own start (its version check) is still on the wire.
      workersStarted++;
      await worker.close(true);
      await queue.closeWithConnection();
    }
    await sleep(200);

    expect(workersStarted).toBe(10);
    expect(unheard).toEqual([]);
  });
});
