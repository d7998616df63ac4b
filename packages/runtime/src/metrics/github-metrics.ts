import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { GitHubRequestObserver } from "@agent-runner/core";

/** The series this module exports: alert rules and the dashboard are checked against these names. */
export const GITHUB_METRICS = {
  requests: { name: "agent_runner_github_requests_total", type: "counter" },
  duration: { name: "agent_runner_github_request_duration_seconds", type: "histogram" },
  remaining: { name: "agent_runner_github_rate_limit_remaining", type: "gauge" },
  limit: { name: "agent_runner_github_rate_limit_limit", type: "gauge" },
  notModified: { name: "agent_runner_github_not_modified_total", type: "counter" },
} as const;


/** GitHub API metrics shared by both services; labels are route templates, never ids. */
export function createGitHubMetrics(registry: Registry): GitHubRequestObserver {
  const requests = new Counter({
    name: GITHUB_METRICS.requests.name,
    help: "GitHub REST requests by route template, method and status class",
    labelNames: ["route", "method", "status_class"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: GITHUB_METRICS.duration.name,
    help: "GitHub REST request latency",
    labelNames: ["method"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const remaining = new Gauge({
    name: GITHUB_METRICS.remaining.name,
    help: "Requests left in the current GitHub rate-limit window, from the last response",
    labelNames: ["resource"] as const,
    registers: [registry],
  });
  const limit = new Gauge({
    name: GITHUB_METRICS.limit.name,
    help: "Size of the GitHub rate-limit window, from the last response",
    labelNames: ["resource"] as const,
    registers: [registry],
  });
  const notModified = new Counter({
    name: GITHUB_METRICS.notModified.name,
    help: "Conditional GitHub requests answered 304 Not Modified (free of rate limit)",
    registers: [registry],
  });
  return {
    onResponse(event) {
      const statusClass = event.status === 0 ? "network_error" : `${Math.floor(event.status / 100)}xx`;
      requests.inc({ route: event.route, method: event.method, status_class: statusClass });
      duration.observe({ method: event.method }, event.durationSeconds);
      if (event.status === 304) notModified.inc();
      const resource = event.rateLimitResource ?? "core";
      if (event.rateLimitRemaining !== undefined) remaining.set({ resource }, event.rateLimitRemaining);
      if (event.rateLimitLimit !== undefined) limit.set({ resource }, event.rateLimitLimit);
    },
  };
}
