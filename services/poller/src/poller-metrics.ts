import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface PollerMetrics {
  poll(outcome: "modified" | "not_modified" | "error", seconds: number): void;
  issuesSeen(count: number): void;
  enqueued(count: number): void;
  duplicates(count: number): void;
  rejected(reason: string): void;
}

export function createPollerMetrics(registry: Registry): PollerMetrics {
  const polls = new Counter({
    name: "agent_runner_polls_total",
    help: "Polls of the dispatch repository by outcome",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "agent_runner_poll_duration_seconds",
    help: "Duration of one poll, listing included",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: "agent_runner_last_successful_poll_timestamp_seconds",
    help: "Unix time of the last poll that succeeded",
    registers: [registry],
  });
  const seen = new Counter({
    name: "agent_runner_issues_seen_total",
    help: "Dispatch issues read from changed listings",
    registers: [registry],
  });
  const enqueued = new Counter({
    name: "agent_runner_tasks_enqueued_total",
    help: "Tasks added to the queue",
    registers: [registry],
  });
  const duplicates = new Counter({
    name: "agent_runner_duplicate_tasks_skipped_total",
    help: "Tasks not added because a job with their id already exists",
    registers: [registry],
  });
  const invalid = new Counter({
    name: "agent_runner_invalid_issues_total",
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
