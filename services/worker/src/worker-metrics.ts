import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { JobMetricsSink } from "./attempt/worker-deps.js";

/** The series this module exports: alert rules and the dashboard are checked against these names. */
export const WORKER_METRICS = {
  jobs: { name: "agent_runner_jobs_total", type: "counter" },
  jobDuration: { name: "agent_runner_job_duration_seconds", type: "histogram" },
  steps: { name: "agent_runner_step_duration_seconds", type: "histogram" },
  pulls: { name: "agent_runner_pull_requests_total", type: "counter" },
  active: { name: "agent_runner_active_jobs", type: "gauge" },
  change: { name: "agent_runner_change_step_duration_seconds", type: "histogram" },
  taskOutcomes: { name: "agent_runner_task_outcomes_total", type: "counter" },
  timeToPull: { name: "agent_runner_time_to_pull_request_seconds", type: "histogram" },
  reruns: { name: "agent_runner_task_reruns_total", type: "counter" },
  labelledToPull: { name: "agent_runner_labelled_to_pull_seconds", type: "histogram" },
} as const;

const TASK_OUTCOMES = ["opened", "updated", "merged", "closed", "failed", "cancelled"] as const;
/** Minutes to hours: a task waits in the queue, then runs an agent. */
const TIME_TO_PULL_BUCKETS = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];
/** Seconds to hours: a webhook starts a task within a second, a poll within its interval, then the queue and the agent. */
const LABELLED_TO_PULL_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800];


const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export function createWorkerMetrics(registry: Registry): JobMetricsSink {
  const jobs = new Counter({
    name: WORKER_METRICS.jobs.name,
    help: "Finished job attempts by outcome",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: WORKER_METRICS.jobDuration.name,
    help: "Duration of one job attempt",
    buckets: STEP_BUCKETS,
    registers: [registry],
  });
  const steps = new Histogram({
    name: WORKER_METRICS.steps.name,
    help: "Duration of each step of a task",
    labelNames: ["step"] as const,
    buckets: STEP_BUCKETS,
    registers: [registry],
  });
  const pulls = new Counter({
    name: WORKER_METRICS.pulls.name,
    help: "Pull requests by what the task did to them",
    labelNames: ["action"] as const,
    registers: [registry],
  });
  const active = new Gauge({
    name: WORKER_METRICS.active.name,
    help: "Jobs this worker is processing now",
    registers: [registry],
  });
  const change = new Histogram({
    name: WORKER_METRICS.change.name,
    help: "Duration of the change step by handler and outcome",
    labelNames: ["handler", "outcome"] as const,
    buckets: STEP_BUCKETS,
    registers: [registry],
  });
  for (const outcome of ["completed", "failed", "retried", "cancelled"]) jobs.inc({ outcome }, 0);
  const taskOutcomes = new Counter({
    name: WORKER_METRICS.taskOutcomes.name,
    help: "Task runs by how they ended for the user",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  for (const outcome of TASK_OUTCOMES) taskOutcomes.inc({ outcome }, 0);
  const timeToPull = new Histogram({
    name: WORKER_METRICS.timeToPull.name,
    help: "Seconds from a task being queued to its pull request being opened",
    buckets: TIME_TO_PULL_BUCKETS,
    registers: [registry],
  });
  const reruns = new Counter({
    name: WORKER_METRICS.reruns.name,
    help: "Runs of a task after its first (an edit, a reopen, a retry)",
    registers: [registry],
  });
  const labelledToPull = new Histogram({
    name: WORKER_METRICS.labelledToPull.name,
    help: "Seconds from the dispatch issue being labelled (as the poller first saw it) to the task's pull request being opened",
    buckets: LABELLED_TO_PULL_BUCKETS,
    registers: [registry],
  });
  return {
    jobStarted: () => active.inc(),
    jobFinished(outcome, seconds) {
      active.dec();
      jobs.inc({ outcome });
      jobDuration.observe(seconds);
    },
    observeStep: (step, seconds) => steps.observe({ step }, seconds),
    pullRequest: (action) => pulls.inc({ action }),
    changeStep: (handler, outcome, seconds) => change.observe({ handler, outcome }, seconds),
    taskOutcome: (outcome) => taskOutcomes.inc({ outcome }),
    timeToPullRequest: (seconds) => timeToPull.observe(seconds),
    rerunStarted: () => reruns.inc(),
    labelledToPull: (seconds) => labelledToPull.observe(seconds),
  };
}
