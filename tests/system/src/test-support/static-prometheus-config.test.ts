import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkConfig } from "./promtool.js";
import { ALERT_RULES_PATH, PROMETHEUS_CONFIG_PATH, renderStaticPrometheusConfig } from "./static-prometheus-config.js";

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  dns_sd_configs?: unknown[];
  static_configs?: { targets: string[] }[];
}
interface PrometheusConfig {
  global: Record<string, string>;
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

const config = parse(readFileSync(PROMETHEUS_CONFIG_PATH, "utf8")) as PrometheusConfig;

describe("renderStaticPrometheusConfig", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "agent-runner-prometheus-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const render = (worker: string[]) =>
    renderStaticPrometheusConfig({ poller: ["127.0.0.1:40001"], worker, rulesPath: ALERT_RULES_PATH, scrapeIntervalSeconds: 1 });

  it("keeps the compose config's jobs and rules, with fixed targets and the given interval", () => {
    const rendered = parse(render(["127.0.0.1:40002", "127.0.0.1:40003"])) as PrometheusConfig;
    expect(rendered.scrape_configs.map((scrape) => scrape.job_name)).toEqual(config.scrape_configs.map((scrape) => scrape.job_name));
    expect(rendered.rule_files).toEqual([ALERT_RULES_PATH]);
    expect(rendered.global).toMatchObject({ scrape_interval: "1s", evaluation_interval: "1s", scrape_timeout: "1s" });
    const byJob = Object.fromEntries(rendered.scrape_configs.map((scrape) => [scrape.job_name, scrape]));
    expect(byJob.poller).toEqual({ job_name: "poller", metrics_path: "/metrics", static_configs: [{ targets: ["127.0.0.1:40001"] }] });
    expect(byJob.worker?.static_configs).toEqual([{ targets: ["127.0.0.1:40002", "127.0.0.1:40003"] }]);
    expect(byJob.worker?.dns_sd_configs).toBeUndefined();
  });

  it("renders configs that promtool accepts, with workers and with none", async () => {
    for (const [name, workers] of [["two-workers", ["127.0.0.1:40002", "[::1]:40003"]], ["no-workers", []]] as const) {
      const file = path.join(dir, `${name}.yml`);
      writeFileSync(file, render([...workers]));
      const result = await checkConfig(file);
      expect(result.exitCode, result.output).toBe(0);
    }
  });

  it("rejects targets that are URLs rather than host:port, and a non-positive interval", () => {
    expect(() => render(["http://127.0.0.1:40002/metrics"])).toThrow(/host:port/);
    expect(() =>
      renderStaticPrometheusConfig({ poller: [], worker: [], rulesPath: ALERT_RULES_PATH, scrapeIntervalSeconds: 0 }),
    ).toThrow(/scrapeIntervalSeconds/);
  });
});
