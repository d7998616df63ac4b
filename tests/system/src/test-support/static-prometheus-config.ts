import { readFileSync } from "node:fs";
import { repoPath } from "@agent-runner/test-kit";
import { parse, stringify } from "yaml";

/** The compose stack's Prometheus config (DNS service discovery on the compose network). */
export const PROMETHEUS_CONFIG_PATH = repoPath("deploy/prometheus/prometheus.yml");
/** The alert rules that config loads. */
export const ALERT_RULES_PATH = repoPath("deploy/prometheus/alerts.yml");

export interface StaticPrometheusTargets {
  /** `host:port` of each poller, e.g. `127.0.0.1:39123`. */
  readonly poller: readonly string[];
  /** `host:port` of each worker replica (may be empty: "no workers" is a state worth testing). */
  readonly worker: readonly string[];
  /** Absolute path of the rule file to load, normally {@link ALERT_RULES_PATH}. */
  readonly rulesPath: string;
  /** Scrape and rule-evaluation interval; tests use a short one (e.g. 1). */
  readonly scrapeIntervalSeconds: number;
}

interface ScrapeConfig {
  job_name: string;
  [key: string]: unknown;
}

const SERVICE_DISCOVERY_KEYS = ["dns_sd_configs", "static_configs", "file_sd_configs", "docker_sd_configs"];
const TARGET = /^[^\s/:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/;

/**
 * The deploy/prometheus/prometheus.yml config with its DNS discovery swapped for fixed targets:
 * same job names, same metrics paths and relabelling, same rule file. For running a real
 * Prometheus against services listening on 127.0.0.1 in tests.
 */
export function renderStaticPrometheusConfig(options: StaticPrometheusTargets): string {
  const { scrapeIntervalSeconds, rulesPath } = options;
  if (!Number.isInteger(scrapeIntervalSeconds) || scrapeIntervalSeconds < 1) {
    throw new Error(`scrapeIntervalSeconds must be a whole number of seconds >= 1, got ${scrapeIntervalSeconds}`);
  }
  if (rulesPath.trim() === "") throw new Error("rulesPath must name the alert rules file");

  const targetsByJob: Record<string, readonly string[]> = { poller: options.poller, worker: options.worker };
  for (const [job, targets] of Object.entries(targetsByJob)) {
    const bad = targets.filter((target) => !TARGET.test(target));
    if (bad.length > 0) throw new Error(`${job} targets must be host:port (no scheme or path): ${bad.join(", ")}`);
  }

  const config = parse(readFileSync(PROMETHEUS_CONFIG_PATH, "utf8")) as {
    global?: Record<string, unknown>;
    rule_files?: string[];
    scrape_configs?: ScrapeConfig[];
  };
  const scrapeConfigs = config.scrape_configs ?? [];
  const jobs = scrapeConfigs.map((scrape) => scrape.job_name);
  const unknownJobs = jobs.filter((job) => !(job in targetsByJob));
  if (unknownJobs.length > 0) {
    throw new Error(`prometheus.yml has jobs this renderer has no targets for: ${unknownJobs.join(", ")}`);
  }

  const interval = `${scrapeIntervalSeconds}s`;
  const rendered = {
    ...config,
    global: {
      ...config.global,
      scrape_interval: interval,
      // A scrape may not outlast its interval.
      scrape_timeout: `${Math.min(scrapeIntervalSeconds, 10)}s`,
      evaluation_interval: interval,
    },
    rule_files: [rulesPath],
    scrape_configs: scrapeConfigs.map((scrape) => {
      const kept = Object.fromEntries(Object.entries(scrape).filter(([key]) => !SERVICE_DISCOVERY_KEYS.includes(key)));
      const targets = [...(targetsByJob[scrape.job_name] ?? [])];
      return { ...kept, static_configs: [{ targets }] };
    }),
  };
  return stringify(rendered, { lineWidth: 0 });
}
