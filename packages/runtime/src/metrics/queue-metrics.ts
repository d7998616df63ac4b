import { Gauge, type Registry } from "prom-client";
import type { TaskQueue } from "@agent-runner/core";

/** The series this module exports: alert rules and the dashboard are checked against these names. */
export const QUEUE_METRICS = {
  jobs: { name: "agent_runner_queue_jobs", type: "gauge" },
  oldestWaitingAge: { name: "agent_runner_queue_oldest_waiting_age_seconds", type: "gauge" },
} as const;

/**
 * How long a scrape waits for the queue's counters. The Redis connection
 * queues commands while Redis is away, so without a deadline one outage
 * would hang /metrics and hide every other series (poll errors among them).
 */
const COLLECT_TIMEOUT_MS = 2_000;

/**
 * Queue depth by state, read at scrape time from BullMQ's counters (O(1) per
 * state, never a job listing), plus the age of the oldest waiting job. When
 * Redis does not answer in time the state series are left out of that scrape
 * and the age keeps its last value.
 */
export function registerQueueMetrics(registry: Registry, queue: TaskQueue): void {
  new Gauge({
    name: QUEUE_METRICS.jobs.name,
    help: "Jobs in the task queue by state",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const counts = await withDeadline(queue.counts());
      this.reset();
      for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
    },
  });
  new Gauge({
    name: QUEUE_METRICS.oldestWaitingAge.name,
    help: "Age of the oldest job waiting to start",
    registers: [registry],
    async collect() {
      const age = await withDeadline(queue.oldestWaitingAgeSeconds());
      if (age !== undefined) this.set(age);
    },
  });
}

async function withDeadline<T>(work: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), COLLECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work.catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
