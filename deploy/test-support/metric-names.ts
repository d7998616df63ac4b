/**
 * The metric names the services export (see packages/shared/src/metrics and the services'
 * metrics modules). Alert rules and the Grafana dashboard may use these, `up`, and the one
 * default Node metric the dashboard shows.
 */
export const SERVICE_METRICS = {
  counter: [
    "agent_runner_polls_total",
    "agent_runner_issues_seen_total",
    "agent_runner_tasks_enqueued_total",
    "agent_runner_duplicate_tasks_skipped_total",
    "agent_runner_invalid_issues_total",
    "agent_runner_jobs_total",
    "agent_runner_pull_requests_total",
    "agent_runner_github_requests_total",
    "agent_runner_github_not_modified_total",
  ],
  gauge: [
    "agent_runner_last_successful_poll_timestamp_seconds",
    "agent_runner_active_jobs",
    "agent_runner_github_rate_limit_remaining",
    "agent_runner_github_rate_limit_limit",
    "agent_runner_queue_jobs",
    "agent_runner_queue_oldest_waiting_age_seconds",
  ],
  histogram: [
    "agent_runner_poll_duration_seconds",
    "agent_runner_job_duration_seconds",
    "agent_runner_step_duration_seconds",
    "agent_runner_change_step_duration_seconds",
    "agent_runner_github_request_duration_seconds",
  ],
} as const;

/** Prometheus' own per-target series, and the default Node metric the dashboard uses. */
const OTHER_SERIES = ["up", "process_resident_memory_bytes"];

/** Every series name a query may select: histograms count as their _bucket/_sum/_count series. */
export const KNOWN_SERIES: ReadonlySet<string> = new Set([
  ...SERVICE_METRICS.counter,
  ...SERVICE_METRICS.gauge,
  ...SERVICE_METRICS.histogram.flatMap((name) => [`${name}_bucket`, `${name}_sum`, `${name}_count`]),
  ...OTHER_SERIES,
]);

const KEYWORDS = new Set([
  "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "atan2", "inf", "nan",
]);

/**
 * The series names a PromQL expression selects. Good enough for the queries in this repository:
 * drops strings, label matchers, range/subquery brackets, grouping clauses, Grafana variables,
 * numbers and durations, then takes the identifiers that are not function calls.
 */
export function seriesNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\$\{?__\w+\}?|\$\w+/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (name === undefined || call !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}
