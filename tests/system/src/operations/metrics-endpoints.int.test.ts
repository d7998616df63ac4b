import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { findSamples, formatA, parseExposition, RedisServerProcess, sampleValue, waitFor, type Sample } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";
import { checkMetrics } from "../test-support/promtool.js";

const TASK_ID = "metrics-task-4f2a9c";

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

async function scrape(port: number): Promise<{ body: string; samples: Sample[] }> {
  const { status, body } = await get(port, "/metrics");
  expect(status).toBe(200);
  return { body, samples: parseExposition(body) };
}

function ports(pipeline: Pipeline): { poller: number; worker: number } {
  const poller = pipeline.poller?.ops.port;
  const worker = pipeline.workers[0]?.ops.port;
  if (poller === undefined || worker === undefined) throw new Error("the pipeline runs no poller or no worker");
  return { poller, worker };
}

describe("the metrics endpoints of the poller and the worker after one task", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let issueNumber = 0;

  beforeAll(async () => {
    sandbox = await startSandbox();
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target" });
    issueNumber = sandbox.admin.createIssue("acme", "dispatch", {
      title: "Observe me",
      body: formatA(TASK_ID, "acme/target"),
      labels: ["copilot-agent"],
    }).number;
    pipeline = await startPipeline({ sandbox, env: { DISPATCH_REPO: "acme/dispatch" } });
    const { worker } = ports(pipeline);
    // The job is counted once processTask returns, a moment after the issue gets its label.
    await waitFor(
      async () => (sampleValue((await scrape(worker)).samples, "agent_runner_jobs_total", { outcome: "completed" }) ?? 0) >= 1,
      90_000,
      "the worker to count one completed job",
    );
  });

  afterAll(async () => {
    await pipeline?.close();
    await sandbox?.close();
  });

  it("serves metrics from both services that promtool check metrics accepts without a word", async () => {
    const { poller, worker } = ports(pipeline as Pipeline);
    for (const port of [poller, worker]) {
      const { body } = await scrape(port);
      const result = await checkMetrics(body);
      expect({ port, ...result }).toEqual({ port, exitCode: 0, output: "" });
    }
  });

  it("exposes the poller's poll, issue and enqueue series, the GitHub series and the queue state", async () => {
    const { samples } = await scrape(ports(pipeline as Pipeline).poller);
    expect(sampleValue(samples, "agent_runner_polls_total", { outcome: "modified" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, "agent_runner_polls_total", { outcome: "not_modified" })).toBeDefined();
    expect(sampleValue(samples, "agent_runner_polls_total", { outcome: "error" })).toBeDefined();
    expect(sampleValue(samples, "agent_runner_issues_seen_total")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, "agent_runner_tasks_enqueued_total")).toBe(1);
    expect(sampleValue(samples, "agent_runner_duplicate_tasks_skipped_total")).toBeDefined();
    expect(sampleValue(samples, "agent_runner_poll_duration_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, "agent_runner_last_successful_poll_timestamp_seconds")).toBeGreaterThan(Date.now() / 1000 - 600);
    expectGitHubSeries(samples, "GET");
    expectQueueState(samples);
    expect(sampleValue(samples, "process_cpu_user_seconds_total", { service: "poller" })).toBeDefined();
  });

  it("exposes the worker's job, step, pull request and active-job series, the GitHub series and the queue state", async () => {
    const { samples } = await scrape(ports(pipeline as Pipeline).worker);
    expect(sampleValue(samples, "agent_runner_jobs_total", { outcome: "completed" })).toBe(1);
    expect(sampleValue(samples, "agent_runner_jobs_total", { outcome: "failed" })).toBe(0);
    expect(sampleValue(samples, "agent_runner_jobs_total", { outcome: "retried" })).toBe(0);
    expect(sampleValue(samples, "agent_runner_job_duration_seconds_count")).toBe(1);
    for (const step of ["clone", "change", "push", "pr", "report"]) {
      expect(findSamples(samples, "agent_runner_step_duration_seconds_bucket", { step }), step).not.toEqual([]);
      expect(sampleValue(samples, "agent_runner_step_duration_seconds_count", { step }), step).toBe(1);
    }
    expect(sampleValue(samples, "agent_runner_pull_requests_total", { action: "created" })).toBe(1);
    expect(sampleValue(samples, "agent_runner_pull_requests_total", { action: "updated" }) ?? 0).toBe(0);
    expect(sampleValue(samples, "agent_runner_active_jobs")).toBe(0);
    expectGitHubSeries(samples, "POST");
    expectQueueState(samples);
    expect(sampleValue(samples, "process_cpu_user_seconds_total", { service: "worker" })).toBeDefined();
  });

  it("never puts the task id, an issue path, a repository name or the token in a label value", async () => {
    const { poller, worker } = ports(pipeline as Pipeline);
    const values = [...(await scrape(poller)).samples, ...(await scrape(worker)).samples].flatMap((s) => Object.values(s.labels));
    const leaks = values.filter(
      (v) =>
        v.includes(TASK_ID) ||
        v.includes(TASK_ID.slice(0, 8)) ||
        v.includes(`/issues/${issueNumber}`) ||
        v.includes("acme") ||
        v.includes(sandbox.tokens.owner),
    );
    expect(leaks).toEqual([]);
    // Routes are templates: the bounded label the issue asks for.
    const routes = new Set(
      [...(await scrape(poller)).samples, ...(await scrape(worker)).samples].flatMap((s) =>
        s.labels["route"] === undefined ? [] : [s.labels["route"]],
      ),
    );
    // `/user` (the runner learning its own login) is the one route without parameters.
    expect([...routes].filter((r) => !r.includes("{owner}") && r !== "/user")).toEqual([]);
  });

  it("answers /healthz 200 and /readyz 200 with the checks it made", async () => {
    const { poller, worker } = ports(pipeline as Pipeline);
    for (const port of [poller, worker]) {
      expect(await get(port, "/healthz")).toEqual({ status: 200, body: JSON.stringify({ status: "ok" }) });
    }
    const pollerReady = await get(poller, "/readyz");
    expect(pollerReady.status).toBe(200);
    expect(JSON.parse(pollerReady.body)).toEqual({
      ready: true,
      checks: { redis: { ok: true }, poll: { ok: true, detail: "recent" } },
    });
    const workerReady = await get(worker, "/readyz");
    expect(workerReady.status).toBe(200);
    expect(JSON.parse(workerReady.body)).toEqual({ ready: true, checks: { redis: { ok: true }, worker: { ok: true } } });
  });
});

function expectGitHubSeries(samples: Sample[], method: string): void {
  const requests = findSamples(samples, "agent_runner_github_requests_total", { method, status_class: "2xx" });
  expect(requests.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThanOrEqual(1);
  expect(sampleValue(samples, "agent_runner_github_rate_limit_remaining", { resource: "core" })).toBeGreaterThan(0);
  expect(sampleValue(samples, "agent_runner_github_not_modified_total")).toBeDefined();
}

function expectQueueState(samples: Sample[]): void {
  for (const state of ["waiting", "active", "delayed", "failed"]) {
    expect(sampleValue(samples, "agent_runner_queue_jobs", { state }), state).toBe(0);
  }
  expect(sampleValue(samples, "agent_runner_queue_jobs", { state: "completed" })).toBe(1);
}

describe("readiness while Redis is unreachable", () => {
  let sandbox: Sandbox;
  let redis: RedisServerProcess | undefined;
  let pipeline: Pipeline | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox();
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
  });

  afterEach(async () => {
    // Redis must be back for the services to stop cleanly (a poll may be waiting on it).
    if (redis !== undefined && !redis.running) await redis.restart();
    await pipeline?.close();
    await redis?.destroy();
    pipeline = undefined;
    redis = undefined;
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it("turns both /readyz answers to 503 naming Redis while it is down, keeps /healthz 200, and recovers when it is back", async () => {
    const server = await RedisServerProcess.start();
    redis = server;
    pipeline = await startPipeline({ sandbox, env: { DISPATCH_REPO: "acme/dispatch", REDIS_URL: server.url } });
    const { poller, worker } = ports(pipeline);
    for (const port of [poller, worker]) {
      await waitFor(async () => (await get(port, "/readyz")).status === 200, 30_000, `/readyz 200 on ${port}`);
    }
    // Ready comes before the first poll has finished on a loaded machine: the counter must exist first.
    await waitFor(async () => (sampleValue((await scrape(poller)).samples, "agent_runner_polls_total") ?? 0) >= 1, 30_000, "the first poll");

    await server.stop();
    for (const port of [poller, worker]) {
      const down = await waitFor(
        async () => {
          const answer = await get(port, "/readyz");
          return answer.status === 503 ? answer : undefined;
        },
        30_000,
        `/readyz 503 on ${port}`,
      );
      expect(JSON.parse(down.body)).toMatchObject({ ready: false, checks: { redis: { ok: false } } });
      expect((await get(port, "/healthz")).status).toBe(200);
      // Scrapes go on without the queue's counters, so the outage itself stays visible.
      const { samples } = await scrape(port);
      expect(findSamples(samples, "agent_runner_queue_jobs")).toEqual([]);
      expect(findSamples(samples, "agent_runner_github_not_modified_total")).not.toEqual([]);
    }
    expect(sampleValue((await scrape(poller)).samples, "agent_runner_polls_total")).toBeGreaterThanOrEqual(1);

    await server.restart();
    for (const port of [poller, worker]) {
      await waitFor(async () => (await get(port, "/readyz")).status === 200, 60_000, `/readyz 200 again on ${port}`);
    }
  });
});
