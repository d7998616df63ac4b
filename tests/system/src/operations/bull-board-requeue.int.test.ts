import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, repoPath, waitFor } from "@agent-runner/test-kit";
import { launchHeadlessChromium } from "../test-support/headless-browser.js";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

/**
 * The README's Operations section shows these screenshots. They are rewritten
 * only on request (UPDATE_SCREENSHOTS=1), so that test runs leave docs/ alone.
 */
const SCREENSHOT_DIR = process.env["UPDATE_SCREENSHOTS"] === "1" ? repoPath("docs") : undefined;
const USERNAME = "ops";
const DONE_MARKER = "<!-- agent-runner:done";
const FAILED_MARKER = "<!-- agent-runner:failed";

describe("the Bull Board on the services", () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let screenshots: string;
  let pipeline: Pipeline | undefined;
  let queue: Queue | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox();
    browser = await launchHeadlessChromium();
    screenshots = SCREENSHOT_DIR ?? (await mkdtemp(path.join(os.tmpdir(), "ar-board-shots-")));
  });

  afterEach(async () => {
    await context?.close();
    await queue?.close();
    await pipeline?.close();
    context = undefined;
    queue = undefined;
    pipeline = undefined;
    sandbox.admin.clearFaults();
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    if (SCREENSHOT_DIR === undefined && screenshots !== undefined) await rm(screenshots, { recursive: true, force: true });
  });

  async function seed(suffix: string): Promise<{ dispatch: string; target: string }> {
    const dispatch = `dispatch-${suffix}`;
    const target = `target-${suffix}`;
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target });
    return { dispatch, target };
  }

  async function failedJob(p: Pipeline, jobId: string): Promise<Queue> {
    queue = new Queue("tasks", { connection: p.redis, prefix: p.prefix });
    const q = queue;
    await waitFor(async () => (await (await q.getJob(jobId))?.getState()) === "failed", 90_000, `job ${jobId} to fail`);
    return q;
  }

  function boardOf(port: number | undefined): string {
    if (port === undefined) throw new Error("the service is not running");
    return `http://127.0.0.1:${port}/admin/queues`;
  }

  /** A browser page that only reaches the services under test (the board links a web font). */
  async function openPage(credentials?: { username: string; password: string }): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...(credentials ? { httpCredentials: credentials } : {}) });
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    return context.newPage();
  }

  function basic(username: string, password: string): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` };
  }

  it("lets an operator who logs in retry a task whose push was refused, which then ends with one PR and one done comment", async () => {
    const repos = await seed("retry");
    const password = randomBytes(12).toString("hex");
    const taskId = "board-retry-7c1e";
    sandbox.admin.injectFault({
      route: "POST /git/{owner}/{repo}.git/git-receive-pack",
      path: `/git/acme/${repos.target}.git/git-receive-pack`,
      status: 403,
      count: Infinity,
    });
    const issue = sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "Retry me from the board",
      body: formatA(taskId, `acme/${repos.target}`),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({
      sandbox,
      env: { DISPATCH_REPO: `acme/${repos.dispatch}`, TASK_ATTEMPTS: "1", BULL_BOARD_USERNAME: USERNAME, BULL_BOARD_PASSWORD: password },
    });
    const q = await failedJob(pipeline, taskId);
    expect(sandbox.admin.listPulls("acme", repos.target)).toEqual([]);
    sandbox.admin.clearFaults();

    const board = boardOf(pipeline.workers[0]?.ops.port);
    for (const [url, headers] of [
      [board, {}],
      [board, basic(USERNAME, "wrong-password")],
      [boardOf(pipeline.poller?.ops.port), {}],
    ] as const) {
      const response = await fetch(url, { headers });
      expect(response.status, url).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Basic /);
    }
    expect((await fetch(boardOf(pipeline.poller?.ops.port), { headers: basic(USERNAME, password) })).status).toBe(200);
    const anonymousRetry = await fetch(`${board}/api/queues/tasks/${taskId}/retry`, { method: "PUT" });
    expect(anonymousRetry.status).toBe(401);
    expect(await (await q.getJob(taskId))?.getState()).toBe("failed");

    const page = await openPage({ username: USERNAME, password });
    await page.goto(`${board}/queue/tasks?status=failed`);
    await page.getByRole("link", { name: taskId }).click();
    await page.waitForURL(`**/queue/tasks/${taskId}?status=failed`);
    // Each job links to its dispatch issue.
    const issueLink = page.getByRole("link", { name: "dispatch issue" });
    expect(await issueLink.getAttribute("href")).toBe(issue.html_url);
    await page.getByRole("button", { name: "Error", exact: true }).click();
    await page.getByText(/403/).first().waitFor();
    await page.screenshot({ path: path.join(screenshots, "bull-board-failed-job.png"), fullPage: true });

    // bull-board's job actions are icon buttons named only by their tooltip.
    await page.locator('[data-title="Retry"] button').click();
    await page.getByText("Are you sure that you want to retry this job?").waitFor();
    const retried = page.waitForResponse((r) => r.request().method() === "PUT" && r.url().endsWith(`/api/queues/tasks/${taskId}/retry`));
    await page.getByRole("button", { name: "Confirm" }).click();
    expect((await retried).status()).toBe(204);

    await waitFor(async () => (await (await q.getJob(taskId))?.getState()) === "completed", 90_000, "the retried job to complete");
    const pulls = sandbox.admin.listPulls("acme", repos.target);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.head.ref).toBe("agent-task-board-re");
    const comments = sandbox.admin.listComments("acme", repos.dispatch, issue.number);
    expect(comments.filter((c) => c.body.includes(DONE_MARKER))).toHaveLength(1);
    expect(comments.filter((c) => c.body.includes(DONE_MARKER))[0]?.body).toContain(pulls[0]?.html_url);
    expect(comments.filter((c) => c.body.includes(FAILED_MARKER))).toHaveLength(1);
    expect(comments).toHaveLength(2);
    expect(sandbox.admin.getIssue("acme", repos.dispatch, issue.number)?.labels.map((l) => l.name)).toContain("processed");

    await page.goto(`${board}/queue/tasks?status=completed`);
    await page.getByRole("link", { name: taskId }).waitFor();
    await page.screenshot({ path: path.join(screenshots, "bull-board-completed.png"), fullPage: true });
  });

  it("is served read-only without BULL_BOARD_USERNAME/PASSWORD: the page loads, the log says so, and a retry is refused", async () => {
    const repos = await seed("readonly");
    const taskId = "board-readonly-3b9d";
    sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "Target that does not exist",
      body: formatA(taskId, "acme/no-such-repo"),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, env: { DISPATCH_REPO: `acme/${repos.dispatch}`, TASK_ATTEMPTS: "1" } });
    const q = await failedJob(pipeline, taskId);
    expect(pipeline.logs.text()).toMatch(/"level":"warn"[^\n]*Bull Board is read-only/);

    const board = boardOf(pipeline.workers[0]?.ops.port);
    expect((await fetch(board)).status).toBe(200);
    expect((await fetch(boardOf(pipeline.poller?.ops.port))).status).toBe(200);
    const retry = await fetch(`${board}/api/queues/tasks/${taskId}/retry`, { method: "PUT" });
    expect(retry.status).toBe(405);
    const retryAll = await fetch(`${board}/api/queues/tasks/retry/failed`, { method: "PUT" });
    expect(retryAll.status).toBe(405);
    const clean = await fetch(`${board}/api/queues/tasks/${taskId}/clean`, { method: "PUT" });
    expect(clean.status).toBe(405);
    expect(await (await q.getJob(taskId))?.getState()).toBe("failed");

    const page = await openPage();
    await page.goto(`${board}/queue/tasks/${taskId}?status=failed`);
    await page.getByRole("link", { name: "dispatch issue" }).waitFor();
    expect(await page.locator('[data-title="Retry"]').count()).toBe(0);
    expect(await page.getByText("Retry all").count()).toBe(0);
  });
});
