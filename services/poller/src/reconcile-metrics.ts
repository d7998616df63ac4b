import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The reconcile sweep's series: alert rules and the dashboard are checked against these names. */
export const RECONCILE_METRICS = {
  drift: { name: "agent_runner_reconcile_drift_total", type: "counter" },
  duration: { name: "agent_runner_reconcile_duration_seconds", type: "histogram" },
  lastSweep: { name: "agent_runner_reconcile_last_sweep_timestamp_seconds", type: "gauge" },
  stuckJobs: { name: "agent_runner_reconcile_stuck_jobs", type: "gauge" },
} as const;

/** What drifted: a done task without its label or comment, a branch nobody uses, a job active too long. */
export type DriftKind = "missing_label" | "missing_comment" | "orphan_branch" | "stuck_job";
export type DriftAction = "repaired" | "reported" | "deleted";

const KINDS: readonly DriftKind[] = ["missing_label", "missing_comment", "orphan_branch", "stuck_job"];
const ACTIONS: Readonly<Record<DriftKind, readonly DriftAction[]>> = {
  missing_label: ["repaired"],
  missing_comment: ["repaired"],
  orphan_branch: ["reported", "deleted"],
  stuck_job: ["reported"],
};

export interface ReconcileMetrics {
  drift(kind: DriftKind, action: DriftAction): void;
  /** A sweep this replica ran to its end (one skipped for the lock is not a sweep). */
  swept(seconds: number): void;
  stuckJobs(count: number): void;
}

export function createReconcileMetrics(registry: Registry): ReconcileMetrics {
  const drift = new Counter({
    name: RECONCILE_METRICS.drift.name,
    help: "Drift the reconcile sweep found, by kind and what it did (repaired, reported, deleted)",
    labelNames: ["kind", "action"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: RECONCILE_METRICS.duration.name,
    help: "Duration of one reconcile sweep",
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const lastSweep = new Gauge({
    name: RECONCILE_METRICS.lastSweep.name,
    help: "Unix time of the last reconcile sweep this replica finished",
    registers: [registry],
  });
  const stuck = new Gauge({
    name: RECONCILE_METRICS.stuckJobs.name,
    help: "Jobs the last sweep found active for longer than RECONCILE_STUCK_JOB_SECONDS",
    registers: [registry],
  });
  // Zeros, not gaps: a dashboard shows that the sweep looked and found nothing.
  for (const kind of KINDS) for (const action of ACTIONS[kind]) drift.inc({ kind, action }, 0);
  return {
    drift: (kind, action) => drift.inc({ kind, action }),
    swept(seconds) {
      duration.observe(seconds);
      lastSweep.set(Date.now() / 1000);
    },
    stuckJobs: (count) => stuck.set(count),
  };
}
