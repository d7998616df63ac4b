import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KNOWN_SERIES, seriesNamesIn } from "./test-support/metric-names.js";
import { describeRun, repoPath, run, runs } from "./test-support/tools.js";

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
  static_configs?: { targets: string[] }[];
}
interface PrometheusConfig {
  global: Record<string, string>;
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}
interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const PROMETHEUS_CONFIG_PATH = repoPath("deploy/prometheus/prometheus.yml");
const ALERT_RULES_PATH = repoPath("deploy/prometheus/alerts.yml");
const config = parse(readFileSync(PROMETHEUS_CONFIG_PATH, "utf8")) as PrometheusConfig;
const rules = (parse(readFileSync(ALERT_RULES_PATH, "utf8")) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules);
const compose = parse(readFileSync(repoPath("docker-compose.yml"), "utf8")) as {
  services: Record<string, { environment?: Record<string, string> }>;
};
const alert = (name: string) => rules.find((rule) => rule.alert === name);

function promtool(args: string[]): void {
  if (!runs("promtool", ["--version"])) {
    expect.fail("promtool is not installed: apt-get install -y prometheus (Debian's package ships it; CI installs it)");
  }
  const result = run("promtool", args);
  expect(result.status, describeRun("promtool", args, result)).toBe(0);
}

describe("Prometheus configuration", () => {
  it("passes promtool check config (rule files included)", () => {
    promtool(["check", "config", PROMETHEUS_CONFIG_PATH]);
  });

  it("passes promtool check rules", () => {
    promtool(["check", "rules", ALERT_RULES_PATH]);
  });

  it("passes the alert unit tests in alerts.test.yml (promtool test rules)", () => {
    promtool(["test", "rules", repoPath("deploy/prometheus/alerts.test.yml")]);
  });

  it("loads alerts.yml", () => {
    expect(config.rule_files).toEqual(["alerts.yml"]);
  });

  it("discovers the poller and every worker replica by DNS, on the ports docker-compose.yml gives them", () => {
    for (const job of ["poller", "worker"]) {
      const scrape = config.scrape_configs.find((candidate) => candidate.job_name === job);
      expect(scrape?.static_configs, job).toBeUndefined();
      expect(scrape?.metrics_path ?? "/metrics", job).toBe("/metrics");
      const port = Number(compose.services[job]?.environment?.PORT);
      expect(scrape?.dns_sd_configs, job).toEqual([expect.objectContaining({ names: [job], type: "A", port })]);
    }
  });

  it("has the alerts the runbook relies on", () => {
    const noPoll = alert("AgentRunnerNoSuccessfulPoll")?.expr ?? "";
    expect(noPoll).toMatch(/time\(\) - max by \(namespace\) \(agent_runner_last_successful_poll_timestamp_seconds.*\) > 300/);
    expect(alert("AgentRunnerPollerMetricsAbsent")?.expr).toMatch(/or on\(\)\s+absent\(agent_runner_last_successful_poll_timestamp_seconds\{service="poller"\}\)\s*$/);
    const failures = alert("AgentRunnerJobFailureRatioHigh")?.expr ?? "";
    expect(failures).toContain('agent_runner_jobs_total{service="worker",outcome="failed"}[15m]');
    expect(failures).toMatch(/> 0\.2\s*$/);
    expect(alert("AgentRunnerQueueWaitTooLong")?.expr).toMatch(/agent_runner_queue_oldest_waiting_age_seconds\) > 600/);
    expect(alert("AgentRunnerQueueWaitGrowing")?.expr).toMatch(/deriv\(/);
    expect(alert("AgentRunnerQueueWaitGrowing")?.for).toBe("15m");
    expect(alert("AgentRunnerGitHubRateLimitLow")?.expr).toMatch(/agent_runner_github_rate_limit_remaining\s*\/\s*\(agent_runner_github_rate_limit_limit > 0\)\s*\)\s*< 0\.1/);
    const noWorkers = alert("AgentRunnerNoWorkers")?.expr ?? "";
    expect(noWorkers).toMatch(/max by \(namespace\) \(agent_runner_queue_jobs\{state=~"waiting\|prioritized\|delayed"\}\) > 0\s+unless on\(namespace\)/);
    expect(noWorkers).toContain('count by (namespace) (agent_runner_active_jobs{service="worker"})');
    expect(alert("AgentRunnerPollerDown")?.expr).toMatch(/or on\(\)\s+absent\(agent_runner_polls_total\{service="poller"\}\)\s*$/);
  });

  it("tells the services apart by their own service label, never by a scrape job's name or up", () => {
    // Compose names its jobs poller and worker; a PodMonitor names its one job after itself.
    for (const rule of rules) {
      expect(rule.expr, rule.alert).not.toMatch(/\bjob\s*=|\bup\s*\{|\bup\b\s*(==|$)/);
      for (const [, value] of rule.expr.matchAll(/\bservice\s*=~?\s*"([^"]*)"/g)) {
        expect(["poller", "worker"], `${rule.alert}: service="${value}"`).toContain(value);
      }
    }
    expect(rules.filter((rule) => /\bservice\s*=/.test(rule.expr)).length).toBeGreaterThanOrEqual(4);
  });

  it("groups every aggregation by namespace and joins on it, so one Prometheus may watch several installs", () => {
    // The promtool cases with two namespaces (alerts.test.yml) show the behaviour; this keeps a new rule in line.
    for (const rule of rules) {
      const aggregations = [...rule.expr.matchAll(/\b(sum|min|max|count|avg|group)\s*(?:by\s*\(([^)]*)\))?\s*\(/g)];
      for (const [aggregation, , by] of aggregations) expect(by?.split(/\s*,\s*/), `${rule.alert}: ${aggregation}`).toContain("namespace");
      for (const match of rule.expr.matchAll(/\b(on|ignoring)\s*\(([^)]*)\)/g)) {
        const [join, keyword, labels = ""] = match;
        expect(keyword, `${rule.alert}: ${join}`).toBe("on");
        // The one join on nothing: absent()'s fallback, when no series of the kind exists anywhere.
        if (labels.trim() === "") expect(rule.expr.slice(match.index + join.length), `${rule.alert}: on()`).toMatch(/^\s*absent\(/);
        else expect(labels.split(/\s*,\s*/), `${rule.alert}: ${join}`).toContain("namespace");
      }
    }
  });

  it("gives every alert a severity and a summary", () => {
    for (const rule of rules) {
      expect(["warning", "critical"], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });

  it("alerts only on series the services export (or up)", () => {
    for (const rule of rules) {
      const unknown = seriesNamesIn(rule.expr).filter((name) => !KNOWN_SERIES.has(name));
      expect(unknown, `${rule.alert}: ${rule.expr}`).toEqual([]);
    }
  });
});
