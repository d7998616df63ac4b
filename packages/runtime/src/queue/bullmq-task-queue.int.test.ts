import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createRedisConnection } from "../redis/create-redis-connection.js";
import { BullMqTaskQueue } from "./bullmq-task-queue.js";

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const ROUNDS = 150;

/**
 * A service that stops, or fails to start, moments after building its queue
 * closes it while BullMQ is still starting on the shared connection. BullMQ
 * 5.81 drops its listeners on close; a start-up still waiting on Redis then
 * rejected with nobody listening (a clean-clone CI run caught one).
 */
describe("closing a task queue together with its connection", () => {
  const unheard: unknown[] = [];
  const listen = (reason: unknown): void => void unheard.push(reason);

  afterEach(() => {
    process.off("unhandledRejection", listen);
  });

  async function closeEarly(close: (queue: BullMqTaskQueue) => Promise<void>): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const connection = createRedisConnection({ url: REDIS_URL, connectionName: "ar-queue-close-test" });
      // Nothing is written: BullMQ's only command here is its meta update, skipped once closing.
      const queue = new BullMqTaskQueue(connection, `{ar-queue-close-${randomBytes(4).toString("hex")}}`, { attempts: 1, backoffMs: 10 });
      // Anywhere from before the connection is up to after BullMQ's version check.
      await sleep((round % 10) / 2);
      await close(queue);
    }
    // The rejections of the last rounds arrive with the sockets' close events.
    await sleep(200);
  }

  it("leaves no rejection unheard, wherever in BullMQ's start-up it lands", async () => {
    process.on("unhandledRejection", listen);

    await closeEarly((queue) => queue.closeWithConnection());

    expect(unheard).toEqual([]);
  });
});
