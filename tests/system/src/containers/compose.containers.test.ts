import { randomBytes } from "node:crypto";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAdminClient, type RemoteSandboxAdmin } from "@agent-runner/github-sandbox";
import { formatA, freePort, waitFor } from "@agent-runner/test-kit";
import { launchHeadlessChromium } from "../test-support/headless-browser.js";
import { ComposeProject } from "./compose-project.js";
import { DockerApi, type ContainerSummary } from "./docker-api.js";

/**
 * The whole stack as its users run it: docker-compose.yml with the sandbox override, from the images
 * the Dockerfile builds (scripts/containers/build-images.sh), on a real engine (podman's Docker API:
 * scripts/containers/setup-engine.sh), three worker replicas. `pnpm test:containers` runs it.
 */
const WORKERS = 3;
const TASKS = 6;
const SANDBOX_TOKEN = "sandbox-owner-token";
const BOARD_USER = "ops";
const DONE_MARKER = "<!-- agent-runner:done";
const FAILED_MARKER = "<!-- agent-runner:failed";
/** Long enough to kill a worker while it runs; the command runs in the worker's bubblewrap sandbox. */
const SLOW_CHANGE = ["sh", "-c", "sleep 12 && date > slow-change.txt"];
const APP_IMAGES = ["poller", "worker", "sandbox"].map((name) => `localhost/agent-runner-${name}:local`);

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set: run the suite with \`pnpm test:containers\``);
  return value;
}

describe("docker compose, on images built here", () => {
  const docker = DockerApi.fromEnv();
  const boardPassword = randomBytes(12).toString("hex");
  const redisPassword = randomBytes(12).toString("hex");
  const ports = { poller: 0, sandbox: 0, prometheus: 0, grafana: 0 };
  let project: ComposeProject;
  let admin: RemoteSandboxAdmin;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  const containersOf = (service: string): Promise<ContainerSummary[]> => docker.composeContainers(project.name, service);
  const board = (): string => `http://127.0.0.1:${ports.poller}/admin/queues`;

  beforeAll(async () => {
    for (const image of [...APP_IMAGES, requiredEnv("AR_REDIS_IMAGE"), requiredEnv("AR_PROMETHEUS_IMAGE")]) {
      await docker.imageSize(image).catch(() => {
        throw new Error(`image ${image} is missing: run scripts/containers/setup-engine.sh and build-images.sh (pnpm test:containers does)`);
      });
    }
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
    project = new ComposeProject({
      env: {
        POLLER_HOST_PORT: String(ports.poller),
        SANDBOX_HOST_PORT: String(ports.sandbox),
        PROMETHEUS_HOST_PORT: String(ports.prometheus),
        GRAFANA_HOST_PORT: String(ports.grafana),
        GRAFANA_ADMIN_PASSWORD: randomBytes(12).toString("hex"),
        REDIS_PASSWORD: redisPassword,
        BULL_BOARD_USERNAME: BOARD_USER,
        BULL_BOARD_PASSWORD: boardPassword,
        POLL_INTERVAL_SECONDS: "1",
        TASK_ATTEMPTS: "1",
        // A killed worker's jobs go back to the queue within ~15 s instead of ~45 s.
        JOB_LOCK_SECONDS: "10",
        STALLED_CHECK_SECONDS: "5",
        CHANGE_HANDLER: "command",
        CHANGE_COMMAND: JSON.stringify(SLOW_CHANGE),
      },
      // Registry images have local stand-ins here (scripts/containers/images); nothing else changes.
      override: {
        services: {
          redis: { image: requiredEnv("AR_REDIS_IMAGE") },
          prometheus: { image: requiredEnv("AR_PROMETHEUS_IMAGE") },
        },
      },
    });
    await project.compose("up", "-d", "--no-build", "--scale", `worker=${WORKERS}`, "redis", "sandbox", "poller", "worker", "prometheus");
    admin = createAdminClient(`http://127.0.0.1:${ports.sandbox}`, SANDBOX_TOKEN);
  });

  afterEach(async (test) => {
    await context?.close();
    context = undefined;
    if (test.task.result?.state === "fail") console.log(await project.compose("logs", "--no-color", "--tail=80").catch(String));
  });

  afterAll(async () => {
    await browser?.close();
    if (project === undefined) return;
    await project.destroy();
    const left = await docker.composeContainers(project.name);
    expect(left.map((c) => c.Names.join(",")), "containers left after down -v").toEqual([]);
  });

  it("runs poller, three workers and the sandbox as the node user, and every healthcheck passes", async () => {
    const services = { poller: 1, worker: WORKERS, sandbox: 1, redis: 1 };
    await waitFor(
      async () => {
        for (const [service, count] of Object.entries(services)) {
          const containers = await containersOf(service);
          if (containers.length !== count) return false;
          for (const container of containers) {
            if ((await docker.inspect(container.Id)).State.Health?.Status !== "healthy") return false;
          }
        }
        return true;
      },
      240_000,
      "every container to be healthy",
      { intervalMs: 1_000 },
    );
    for (const service of ["poller", "worker", "sandbox"]) {
      for (const container of await containersOf(service)) {
        const details = await docker.inspect(container.Id);
        expect(details.Config.User, service).toBe("node");
        // The build stage's proxy CA (a build argument of the local base image) never reaches an image that runs.
        expect(details.Config.Env.join("\n"), service).not.toMatch(/NODE_EXTRA_CA_CERTS|npm_config_nodedir/);
      }
    }
    expect((await project.compose("exec", "-T", "--index=1", "worker", "id", "-u")).trim()).toBe("1000");
  });

  it("runs poller and workers on a read-only root, where only /tmp and the worker's workspace take writes", async () => {
    const tryWrite = (service: string, dir: string): Promise<string> =>
      project.compose("exec", "-T", service, "sh", "-c", `touch ${dir}/.write-probe 2>&1 && rm ${dir}/.write-probe && echo written || true`);
    for (const service of ["poller", "worker"]) {
      // /app is root's (not writable by node anyway); the node user's home is its own, so only a
      // read-only mount refuses it.
      expect(await tryWrite(service, "/home/node"), service).toMatch(/Read-only file system/);
      expect((await tryWrite(service, "/tmp")).trim(), service).toBe("written");
    }
    expect((await tryWrite("worker", "/work")).trim()).toBe("written");
  });

  it("loads nodegit in the worker image, and the poller image holds no nodegit at all", async () => {
    const loads = await project.compose(
      "exec", "-T", "--index=1", "worker", "node", "-e",
      "const g = require(require.resolve('nodegit', { paths: [require('fs').realpathSync('/app/node_modules/@agent-runner/git')] })); console.log('nodegit', typeof g.Repository.open)",
    );
    expect(loads).toContain("nodegit function");
    const found = await project.compose("exec", "-T", "poller", "find", "/app", "-name", "nodegit*");
    expect(found.trim()).toBe("");
    const buildCa = await project.compose("exec", "-T", "poller", "sh", "-c", "ls /usr/local/share/agent-runner 2>&1 || true");
    expect(buildCa).toMatch(/No such file/);
  });

  it("has Prometheus find every worker replica by DNS and scrape each one", async () => {
    const workerIps = new Set<string>();
    for (const container of await containersOf("worker")) {
      const networks = (await docker.inspect(container.Id))["NetworkSettings"] as { Networks: Record<string, { IPAddress: string }> };
      for (const network of Object.values(networks.Networks)) workerIps.add(network.IPAddress);
    }
    expect(workerIps.size).toBe(WORKERS);
    type Target = { labels: Record<string, string>; health: string; lastScrape: string };
    const targets = await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/targets?state=active`);
        const body = (await response.json()) as { data: { activeTargets: Target[] } };
        const active = body.data.activeTargets;
        const up = (job: string) => active.filter((t) => t.labels["job"] === job && t.health === "up");
        return up("worker").length === WORKERS && up("poller").length === 1 ? active : false;
      },
      120_000,
      "Prometheus to scrape every replica",
      { intervalMs: 2_000 },
    );
    const scraped = targets.filter((t) => t.labels["job"] === "worker").map((t) => t.labels["instance"]!.replace(/:3001$/, ""));
    expect(new Set(scraped)).toEqual(workerIps);

    const query = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent('count by (service) (process_resident_memory_bytes{job="worker"})')}`);
    const result = ((await query.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    expect(result).toEqual([{ metric: { service: "worker" }, value: [expect.any(Number), String(WORKERS)] }]);
  });

  it(`turns ${TASKS} dispatch issues into one pull request each while a worker is killed mid-task`, async () => {
    const run = randomBytes(2).toString("hex");
    // The branch is agent-task-<first 8 characters of the task id>: those must differ.
    const taskIds = Array.from({ length: TASKS }, (_, i) => `e2e${i}${run}-task`);
    const issues: { number: number }[] = [];
    for (const taskId of taskIds) {
      issues.push(await admin.createIssue("acme", "dispatch", { title: `Task ${taskId}`, body: formatA(taskId, "acme/target"), labels: ["copilot-agent"] }));
    }

    // A worker whose sandboxed command is running: kill it as `docker kill` does (SIGKILL, no grace).
    const busy = await waitFor(
      async () => {
        for (const container of await containersOf("worker")) {
          const processes = await docker.processes(container.Id);
          if (processes.some((columns) => columns.join(" ").includes("sleep 12"))) return container;
        }
        return undefined;
      },
      180_000,
      "a worker to be running a task",
      { intervalMs: 500 },
    );
    await docker.kill(busy.Id);
    expect((await docker.inspect(busy.Id)).State.Status).not.toBe("running");

    await waitFor(
      async () => {
        const states = await Promise.all(issues.map((issue) => admin.getIssue("acme", "dispatch", issue.number)));
        return states.every((state) => state?.labels.some((label) => label.name === "processed"));
      },
      300_000,
      `all ${TASKS} issues to be processed`,
      { intervalMs: 2_000 },
    );

    const pulls = (await admin.listPulls("acme", "target")).filter((pull) => taskIds.some((id) => pull.head.ref === `agent-task-${id.slice(0, 8)}`));
    expect(pulls.map((pull) => pull.head.ref).sort()).toEqual(taskIds.map((id) => `agent-task-${id.slice(0, 8)}`).sort());
    const branches = (await admin.listBranches("acme", "target")).filter((branch) => branch.name.includes(run));
    expect(branches).toHaveLength(TASKS);
    for (const issue of issues) {
      const comments = await admin.listComments("acme", "dispatch", issue.number);
      expect(comments.filter((comment) => comment.body.includes(DONE_MARKER)), `issue #${issue.number}`).toHaveLength(1);
      expect(comments.filter((comment) => comment.body.includes(FAILED_MARKER)), `issue #${issue.number}`).toHaveLength(0);
    }
  });

  it("lets an operator requeue a failed job from the Bull Board in headless Chromium, which then opens one PR", async () => {
    const taskId = `board${randomBytes(2).toString("hex")}-retry`;
    const target = `board-${taskId.slice(5, 9)}`;
    await admin.createRepo({ owner: "acme", name: target });
    await admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", path: `/git/acme/${target}.git/git-receive-pack`, status: 403, count: Infinity });
    const issue = await admin.createIssue("acme", "dispatch", { title: "Retry me from the board", body: formatA(taskId, `acme/${target}`), labels: ["copilot-agent"] });
    await waitFor(
      async () => (await admin.listComments("acme", "dispatch", issue.number)).some((comment) => comment.body.includes(FAILED_MARKER)),
      180_000,
      "the task to fail",
      { intervalMs: 1_000 },
    );
    expect(await admin.listPulls("acme", target)).toEqual([]);
    await admin.clearFaults();

    browser = await launchHeadlessChromium();
    context = await browser.newContext({ httpCredentials: { username: BOARD_USER, password: boardPassword } });
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${board()}/queue/tasks?status=failed`);
    await page.getByRole("link", { name: taskId }).click();
    await page.waitForURL(`**/queue/tasks/${taskId}?status=failed`);
    await page.locator('[data-title="Retry"] button').click();
    await page.getByText("Are you sure that you want to retry this job?").waitFor();
    const retried = page.waitForResponse((r) => r.request().method() === "PUT" && r.url().endsWith(`/api/queues/tasks/${taskId}/retry`));
    await page.getByRole("button", { name: "Confirm" }).click();
    expect((await retried).status()).toBe(204);

    await waitFor(
      async () => (await admin.listComments("acme", "dispatch", issue.number)).some((comment) => comment.body.includes(DONE_MARKER)),
      180_000,
      "the requeued task to finish",
      { intervalMs: 1_000 },
    );
    const pulls = await admin.listPulls("acme", target);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.head.ref).toBe(`agent-task-${taskId.slice(0, 8)}`);
  });
});
