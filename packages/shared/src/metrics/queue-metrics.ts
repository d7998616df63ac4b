import { Gauge, type Registry } from "prom-client";
import type { TaskQueue } from "../queue/task-queue.js";

/**
 * Queue depth by state, read at scrape time from BullMQ's counters (O(1) per
 * state, never a job listing), plus the age of the oldest waiting job.
 */
export function registerQueueMetrics(registry: Registry, queue: TaskQueue): void {
  new Gauge({
    name: "agent_runner_queue_jobs",
    help: "Jobs in the task queue by state",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const counts = await queue.counts();
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: "agent_runner_queue_oldest_waiting_age_seconds",
    help: "Age of the oldest job waiting to start",
    registers: [registry],
    async collect() {
      this.set(await queue.oldestWaitingAgeSeconds());
    },
  });
}
