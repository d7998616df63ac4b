import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";
import { startPrometheus, type PrometheusServer } from "../test-support/prometheus-server.js";
import { ALERT_RULES_PATH, renderStaticPrometheusConfig } from "../test-support/static-prometheus-config.js";

const WORKERS = 2;

describe("a real Prometheus scraping the poller and every worker replica with the deploy config", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox();
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target" });
    const issue = sandbox.admin.createIssue("acme", "dispatch", {
      title: "Scrape me",
      body: formatA("scrape-task-1", "acme/target"),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, workers: WORKERS, env: { DISPATCH_REPO: "acme/dispatch" } });
    await waitFor(
      () => sandbox.admin.getIssue("acme", "dispatch", issue.number)?.labels.some((l) => l.name === "processed"),
      90_000,
      "the task to be processed",
    );
    const address = (port: number | undefined): string => {
      if (port === undefined) throw new Error("a service of the pipeline is not running");
      return `127.0.0.1:${port}`;
    };
    prometheus = await startPrometheus(
      renderStaticPrometheusConfig({
        poller: [address(pipeline.poller?.ops.port)],
        worker: pipeline.workers.map((w) => address(w.ops.port)),
        rulesPath: ALERT_RULES_PATH,
        scrapeIntervalSeconds: 1,
      }),
    );
  });

  afterAll(async () => {
    await prometheus?.close();
    await pipeline?.close();
    await sandbox?.close();
  });

  function server(): PrometheusServer {
    if (prometheus === undefined) throw new Error("Prometheus did not start");
    return prometheus;
  }

  it("sees every target up: one poller and each worker replica", async () => {
    const targets = await waitFor(
      async () => {
        const active = await server().activeTargets();
        return active.length === 1 + WORKERS && active.every((t) => t.health === "up") ? active : undefined;
      },
      60_000,
      "every target to be up",
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\ntargets: ${JSON.stringify(await server().activeTargets())}\n${server().output()}`);
    });
    expect(targets.map((t) => t.labels["job"]).sort()).toEqual(["poller", ...Array<string>(WORKERS).fill("worker")]);
    const up = await server().query("up");
    expect(up.map((s) => s.value[1])).toEqual(Array<string>(1 + WORKERS).fill("1"));
  });

  it("stores the key series of both services, labelled by job and service", async () => {
    const series = async (expr: string) =>
      waitFor(
        async () => {
          const result = await server().query(expr);
          return result.length > 0 ? result : undefined;
        },
        60_000,
        `a result for ${expr}`,
      );
    const polls = await series('agent_runner_polls_total{outcome="modified"}');
    expect(polls.map((s) => [s.metric["job"], s.metric["service"]])).toEqual([["poller", "poller"]]);
    expect(Number(polls[0]?.value[1])).toBeGreaterThanOrEqual(1);

    const completed = await series('sum(agent_runner_jobs_total{job="worker",outcome="completed"})');
    expect(completed[0]?.value[1]).toBe("1");
    const steps = await series('count by (step) (agent_runner_step_duration_seconds_bucket{job="worker"})');
    expect(steps.map((s) => s.metric["step"]).sort()).toEqual(["change", "clone", "pr", "push", "report"]);
    const created = await series('sum(agent_runner_pull_requests_total{action="created"})');
    expect(created[0]?.value[1]).toBe("1");

    const queue = await series('agent_runner_queue_jobs{state="completed"}');
    expect(new Set(queue.map((s) => s.metric["job"]))).toEqual(new Set(["poller", "worker"]));
    expect(queue.every((s) => s.value[1] === "1")).toBe(true);
    const rateLimit = await series("agent_runner_github_rate_limit_remaining");
    expect(rateLimit.every((s) => Number(s.value[1]) > 0)).toBe(true);
    await series("agent_runner_github_requests_total");
    await series("agent_runner_last_successful_poll_timestamp_seconds");
    await series("agent_runner_active_jobs");
    await series("process_resident_memory_bytes");
  });

  it("loads the alert rules and evaluates every one of them without an error", async () => {
    const groups = await waitFor(
      async () => {
        const loaded = await server().ruleGroups();
        const rules = loaded.flatMap((g) => g.rules);
        return rules.length > 0 && rules.every((r) => r.health !== "unknown") ? loaded : undefined;
      },
      60_000,
      "the alert rules to be evaluated",
    );
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.filter((r) => r.health !== "ok")).toEqual([]);
    // Everything is healthy, so once the targets are up no alert may even be pending
    // (evaluations before the first scrape can briefly see "no workers").
    await waitFor(async () => (await server().query("ALERTS")).length === 0, 60_000, "no pending or firing alert").catch(
      async (error: unknown) => {
        throw new Error(`${String(error)}: ${JSON.stringify((await server().query("ALERTS")).map((s) => s.metric))}`);
      },
    );
  });
});
