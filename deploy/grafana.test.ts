import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { KNOWN_SERIES, seriesNamesIn } from "./test-support/metric-names.js";
import { describeRun, repoPath, run, runs } from "./test-support/tools.js";

interface Datasource {
  type?: string;
  uid?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: Datasource;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource?: Datasource }[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  current?: { text?: string | string[]; value?: string | string[] };
  query?: string | { query?: string };
  datasource?: Datasource;
  includeAll?: boolean;
  allValue?: string;
  multi?: boolean;
}
interface ImportInput {
  name: string;
  type: string;
  pluginId?: string;
}
interface Dashboard {
  __inputs?: ImportInput[];
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboardPath = repoPath("deploy/grafana/dashboards/agent-runner.json");
const dashboardText = readFileSync(dashboardPath, "utf8");
const dashboard = JSON.parse(dashboardText) as Dashboard;
const variable = (name: string) => dashboard.templating.list.find((candidate) => candidate.name === name);
const variableQuery = (name: string) => {
  const query = variable(name)?.query;
  return typeof query === "string" ? query : (query?.query ?? "");
};
/** The data source every panel, target and query variable uses: whichever one the `datasource` variable picks. */
const CHOSEN_DATASOURCE = { type: "prometheus", uid: "${datasource}" };
const datasources = (
  parse(readFileSync(repoPath("deploy/grafana/provisioning/datasources/prometheus.yml"), "utf8")) as {
    datasources: { name: string; uid: string; type: string; url: string; isDefault?: boolean }[];
  }
).datasources;
const providers = (
  parse(readFileSync(repoPath("deploy/grafana/provisioning/dashboards/dashboards.yml"), "utf8")) as {
    providers: { type: string; options: { path: string } }[];
  }
).providers;
const compose = parse(readFileSync(repoPath("docker-compose.yml"), "utf8")) as {
  services: Record<string, { volumes?: string[] }>;
};

const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).filter((panel) => panel.type !== "row");
const queries = panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, ...target })));
/** A query without the dashboard's namespace and job matchers (checked on their own below). */
const unscoped = (expr: string) => expr.replaceAll('{namespace=~"$namespace", job=~"$job"}', "").replaceAll(', namespace=~"$namespace", job=~"$job"}', "}");
const expressionsOf = (title: string) =>
  queries
    .filter((query) => query.panel.title === title)
    .map((query) => unscoped(query.expr))
    .join("\n");

describe("Grafana provisioning", () => {
  it("provisions one default Prometheus datasource at the compose service's address", () => {
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ type: "prometheus", url: "http://prometheus:9090", isDefault: true });
    expect(datasources[0]?.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
  });

  it("loads dashboards from the folder docker-compose.yml mounts deploy/grafana/dashboards into", () => {
    const mount = compose.services.grafana?.volumes?.find((volume) => volume.startsWith("./deploy/grafana/dashboards:"));
    expect(mount).toBeDefined();
    expect(providers.map((provider) => provider.options.path)).toContain(mount!.split(":")[1]);
    expect(compose.services.grafana?.volumes).toContain("./deploy/grafana/provisioning:/etc/grafana/provisioning:ro");
  });
});

describe("the agent-runner Grafana dashboard", () => {
  it("is a dashboard with a uid, a title, a current schemaVersion and panels", () => {
    expect(dashboard.uid).toBe("agent-runner");
    expect(dashboard.title).toBe("agent-runner");
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(panels.length).toBeGreaterThanOrEqual(8);
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("lays its panels out on the 24-column grid without overlaps", () => {
    const cells = new Set<string>();
    for (const panel of panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, panel.title).toBe(true);
      for (let col = x; col < x + w; col += 1) {
        for (let row = y; row < y + h; row += 1) {
          expect(cells.has(`${col},${row}`), `${panel.title} overlaps another panel`).toBe(false);
          cells.add(`${col},${row}`);
        }
      }
    }
  });

  it("queries the data source its `datasource` variable picks, so it can be imported into any Grafana", () => {
    expect(variable("datasource")).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual(CHOSEN_DATASOURCE);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource ?? panel.datasource, panel.title).toEqual(CHOSEN_DATASOURCE);
    }
    for (const name of ["namespace", "job"]) expect(variable(name)?.datasource, name).toEqual(CHOSEN_DATASOURCE);
    // ...and is bound to no data source uid of one installation, the provisioned one included.
    expect(dashboardText).not.toContain(datasources[0]!.uid);
  });

  it("asks for its Prometheus when imported (__inputs DS_PROMETHEUS), and makes the choice the `datasource` variable's default", () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" })]);
    const declared = new Set((dashboard.__inputs ?? []).map((input) => input.name));
    for (const [, name] of dashboardText.matchAll(/\$\{(DS_\w+)\}/g)) expect(declared, `\${${name}} is an import input`).toContain(name);
    // What Grafana's import does with the answer: every "${DS_PROMETHEUS}" in any string becomes the chosen uid.
    const chosenUid = "picked-at-import";
    const imported = JSON.parse(dashboardText.replaceAll("${DS_PROMETHEUS}", chosenUid)) as Dashboard;
    const datasourceVariable = imported.templating.list.find((candidate) => candidate.name === "datasource");
    expect(datasourceVariable?.current).toMatchObject({ value: chosenUid });
    // ...and only there: panels and the other variables keep following the variable, which the user may still change.
    const { current: _current, ...restOfVariable } = datasourceVariable!;
    const elsewhere = JSON.stringify({ ...imported, templating: { list: [restOfVariable, ...imported.templating.list.filter((v) => v.name !== "datasource")] } });
    expect(elsewhere).not.toContain(chosenUid);
    for (const panel of imported.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== "row")) expect(panel.datasource, panel.title).toEqual(CHOSEN_DATASOURCE);
  });

  it("has namespace and job variables whose All also matches series without the label (compose has no namespace)", () => {
    for (const name of ["namespace", "job"]) {
      expect(variable(name), name).toMatchObject({ type: "query", includeAll: true, allValue: ".*", multi: true });
      expect(variableQuery(name), name).toMatch(new RegExp(`^label_values\\(agent_runner_queue_jobs\\b.*, ${name}\\)$`));
    }
  });

  it("narrows every selector to the chosen namespace and job", () => {
    for (const query of queries) {
      const selectors = [...query.expr.matchAll(/\b(agent_runner_\w+|process_\w+)(\{[^}]*\})?/g)];
      expect(selectors.length, query.expr).toBeGreaterThan(0);
      for (const [selector, , matchers = ""] of selectors) {
        expect(matchers, `${query.panel.title}: ${selector}`).toContain('namespace=~"$namespace"');
        expect(matchers, `${query.panel.title}: ${selector}`).toContain('job=~"$job"');
      }
    }
  });

  it("tells the services apart by their own service label, never by a scrape job's name or up", () => {
    for (const query of queries) {
      expect(query.expr, query.panel.title).not.toMatch(/\bjob\s*=\s*"|\bup\b/);
      for (const [, value] of query.expr.matchAll(/\bservice\s*=~?\s*"([^"]*)"/g)) {
        expect(["poller", "worker", "poller|worker"], `${query.panel.title}: service="${value}"`).toContain(value);
      }
    }
    // A generic series (process_*) is also exported by other applications: it must say whose.
    for (const query of queries.filter((q) => /\bprocess_/.test(q.expr))) expect(query.expr).toContain('service=~"poller|worker"');
  });

  it("selects only series the services export", () => {
    for (const query of queries) {
      const unknown = seriesNamesIn(query.expr).filter((name) => !KNOWN_SERIES.has(name));
      expect(unknown, `${query.panel.title}: ${query.expr}`).toEqual([]);
    }
  });

  it("shows throughput, outcomes, step latencies, queue depth, rate-limit headroom, worker count, polls and GitHub status classes", () => {
    expect(expressionsOf("Throughput")).toContain('agent_runner_jobs_total{outcome="completed"}');
    expect(expressionsOf("Job outcomes")).toMatch(/sum by \(outcome\) \(rate\(agent_runner_jobs_total\[/);
    const steps = expressionsOf("Step latency p50 / p95");
    expect(steps).toContain("histogram_quantile(0.5, sum by (le, step) (rate(agent_runner_step_duration_seconds_bucket");
    expect(steps).toContain("histogram_quantile(0.95, sum by (le, step) (rate(agent_runner_step_duration_seconds_bucket");
    expect(expressionsOf("Queue depth")).toContain("by (state) (agent_runner_queue_jobs)");
    expect(expressionsOf("Rate-limit headroom")).toMatch(/agent_runner_github_rate_limit_remaining \/ \(agent_runner_github_rate_limit_limit > 0\)/);
    expect(expressionsOf("Worker count")).toContain('count(agent_runner_active_jobs{service="worker"})');
    expect(expressionsOf("Poll outcomes")).toContain("sum by (outcome) (rate(agent_runner_polls_total");
    expect(expressionsOf("GitHub requests by status class")).toContain("sum by (status_class) (rate(agent_runner_github_requests_total");
  });

  describe("with promtool", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "agent-runner-grafana-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("parses every query as PromQL", () => {
      if (!runs("promtool", ["--version"])) {
        expect.fail("promtool is not installed: apt-get install -y prometheus (Debian's package ships it; CI installs it)");
      }
      // promtool has no "check this expression" command: wrap each query in a recording rule.
      const rules = queries.map((query) => ({
        record: `dashboard:panel_${query.panel.id}:${query.refId}`,
        expr: query.expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m"),
      }));
      const file = path.join(dir, "dashboard-queries.yml");
      writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules }] }));
      const args = ["check", "rules", file];
      const result = run("promtool", args);
      expect(result.status, describeRun("promtool", args, result)).toBe(0);
    });
  });
});
