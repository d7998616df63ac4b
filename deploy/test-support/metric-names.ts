import { POLLER_METRICS, RECONCILE_METRICS } from "@agent-runner/poller";
import { GITHUB_METRICS, QUEUE_METRICS } from "@agent-runner/runtime";
import { WORKER_METRICS } from "@agent-runner/worker";

type MetricType = "counter" | "gauge" | "histogram";

/**
 * The metric names the services export, read from the modules that register
 * them. Alert rules and the Grafana dashboard may use these, `up`, and the one
 * default Node metric the dashboard shows.
 */
const EXPORTED: readonly { readonly name: string; readonly type: MetricType }[] = [
  ...Object.values(GITHUB_METRICS),
  ...Object.values(QUEUE_METRICS),
  ...Object.values(POLLER_METRICS),
  ...Object.values(RECONCILE_METRICS),
  ...Object.values(WORKER_METRICS),
];

export const SERVICE_METRICS: Readonly<Record<MetricType, readonly string[]>> = {
  counter: EXPORTED.filter((m) => m.type === "counter").map((m) => m.name),
  gauge: EXPORTED.filter((m) => m.type === "gauge").map((m) => m.name),
  histogram: EXPORTED.filter((m) => m.type === "histogram").map((m) => m.name),
};

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
