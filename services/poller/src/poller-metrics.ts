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
  found: { name: "agent_runner_tasks_found_total", type: "counter" },
  deliveries: { name: "agent_runner_webhook_deliveries_total", type: "counter" },
  signatureFailures: { name: "agent_runner_webhook_signature_failures_total", type: "counter" },
  followUps: { name: "agent_runner_follow_ups_total", type: "counter" },
} as const;

/** What became of a follow-up comment on a task's PR (see follow-ups.ts). */
const FOLLOW_UP_OUTCOMES = ["queued", "untrusted", "not_task_pull", "pull_closed", "task_gone"] as const;

/** What the receiver did with one delivery. */
export type DeliveryOutcome =
  | "accepted"
  | "ignored"
  | "duplicate"
  | "bad_signature"
  | "too_large"
  | "malformed"
  | "overloaded";


const KNOWN_EVENTS = new Set(["issues", "issue_comment", "pull_request_review_comment", "ping"]);

export interface PollerMetrics {
  poll(outcome: "modified" | "not_modified" | "error", seconds: number): void;
  issuesSeen(count: number): void;
  enqueued(count: number): void;
  duplicates(count: number): void;
  rejected(reason: string): void;
  /** Tasks enqueued, by the path that found them first. */
  found(path: "event" | "poll", count: number): void;
  delivery(event: string, outcome: DeliveryOutcome): void;
  /** A follow-up comment on a task's PR, by what became of it and the path that saw it first. */
  followUp(outcome: (typeof FOLLOW_UP_OUTCOMES)[number], path: "event" | "poll"): void;
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
  const found = new Counter({
    name: POLLER_METRICS.found.name,
    help: "Tasks enqueued, by the path that found them first (event: a webhook delivery; poll: a listing)",
    labelNames: ["path"] as const,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: POLLER_METRICS.deliveries.name,
    help: "Webhook deliveries received, by event and outcome",
    labelNames: ["event", "outcome"] as const,
    registers: [registry],
  });
  const signatureFailures = new Counter({
    name: POLLER_METRICS.signatureFailures.name,
    help: "Webhook deliveries refused for a missing or wrong X-Hub-Signature-256",
    registers: [registry],
  });
  const followUps = new Counter({
    name: POLLER_METRICS.followUps.name,
    help: "Follow-up comments on tasks' pull requests, by outcome and the path that saw them first",
    labelNames: ["outcome", "path"] as const,
    registers: [registry],
  });
  for (const path of ["event", "poll"]) found.inc({ path }, 0);
  for (const path of ["event", "poll"]) for (const outcome of FOLLOW_UP_OUTCOMES) followUps.inc({ outcome, path }, 0);
  signatureFailures.inc(0);
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
    found: (path, count) => found.inc({ path }, count),
    followUp: (outcome, path) => followUps.inc({ outcome, path }),
    delivery(event, outcome) {
      // The event name comes from a request header: only known names become label values.
      deliveries.inc({ event: KNOWN_EVENTS.has(event) ? event : "other", outcome });
      if (outcome === "bad_signature") signatureFailures.inc();
    },
  };
}
