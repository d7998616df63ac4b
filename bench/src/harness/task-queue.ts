import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { TASK_QUEUE_NAME } from "@agent-runner/runtime";

/** The services' task queue, read from the bench's own connection (closing it leaves the connection open). */
export function openQueue(redis: Redis, prefix: string): Queue {
  return new Queue(TASK_QUEUE_NAME, { connection: redis, prefix });
}
