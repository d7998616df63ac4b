import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The series this module exports: alert rules and the dashboard are checked against these names. */
export const POLLER_METRICS = {
  polls: { name: "agent_runner_polls_total", type: "counter" },
  duration: { name: "agent_runner_poll_duration_seconds", type: "histogram" },
  lastSuccess: { name: "agent_runner_last_successful_poll_timestamp_seconds", type: "gauge" },
  seen: { name: "agent_runner_issues_seen_total", type: "counter" },
  enqueued: { name: "agent_runner_tasks_enqueued_total", type: "counter" },
  duplicates: { name: "agent_runner_duplicate_tasks_skipped_total", type: "counter" },
  invalid: { name: "agent_runner_invalid_issues_total", type: "counter" },
} as const;


export interface PollerMetrics {
  poll(outcome: "modified" | "not_modified" | "error", seconds: number): void;
  issuesSeen(count: number): void;
  enqueued(count: number): void;
  duplicates(count: number): void;
  rejected(reason: string): void;
}

export function createPollerMetrics(registry: Registry): PollerMetrics {
  const polls = new Counter({
    name: POLLER_METRICS.polls.name,
    help: "Polls of the dispatch repository by outcome",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: POLLER_METRICS.duration.name,
    help: "Duration of one poll, listing included",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: POLLER_METRICS.lastSuccess.name,
    help: "Unix time of the last poll that succeeded",
    registers: [registry],
  });
  const seen = new Counter({
    name: POLLER_METRICS.seen.name,
    help: "Dispatch issues read from changed listings",
    registers: [registry],
  });
  const enqueued = new Counter({
    name: POLLER_METRICS.enqueued.name,
    help: "Tasks added to the queue",
    registers: [registry],
  });
  const duplicates = new Counter({
    name: POLLER_METRICS.duplicates.name,
    help: "Tasks not added because a job with their id already exists",
    registers: [registry],
  });
  const invalid = new Counter({
    name: POLLER_METRICS.invalid.name,
    help: "Dispatch issues refused, by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  // Pre-create the outcome series so dashboards and alerts see zeros, not gaps.
  for (const outcome of ["modified", "not_modified", "error"]) polls.inc({ outcome }, 0);
  return {
    poll(outcome, seconds) {
      polls.inc({ outcome });
      duration.observe(seconds);
      if (outcome !== "error") lastSuccess.set(Date.now() / 1000);
    },
    issuesSeen: (count) => seen.inc(count),
    enqueued: (count) => enqueued.inc(count),
    duplicates: (count) => duplicates.inc(count),
    rejected: (reason) => invalid.inc({ reason }),
  };
}
