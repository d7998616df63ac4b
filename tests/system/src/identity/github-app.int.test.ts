import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RegisteredApp, type Sandbox } from "@agent-runner/github-sandbox";
import { TraceTaskHandler, type TaskHandler } from "@agent-runner/worker";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

const DISPATCH = "dispatch-app";
const TARGET = "target-app";
const SLUG = "agent-runner-app";
/** Installation tokens live this long here (an hour on GitHub), so one expires while a task runs. */
const TOKEN_LIFETIME_MS = 3_000;

/**
 * The trace step, made to outlive the token the checkout used and, on its
 * first attempt, to fail with every installation token the sandbox has
 * minted in its message, as a tool that echoes its credentials would.
 */
function slowLeakyHandler(sandbox: Sandbox): TaskHandler & { attempts: number } {
  const trace = new TraceTaskHandler();
  return {
    name: "trace",
    attempts: 0,
    traceIsTheChange: trace.traceIsTheChange,
    async apply(workspace, task) {
      this.attempts += 1;
      if (this.attempts === 1) throw new Error(`tool crashed; credentials: ${sandbox.admin.installationTokens().join(" ")}`);
      await delay(TOKEN_LIFETIME_MS + 500);
      return trace.apply(workspace, task);
    },
  };
}

describe("the runner as a GitHub App", () => {
  let sandbox: Sandbox;
  let app: RegisteredApp;
  let pipeline: Pipeline;
  let handler: ReturnType<typeof slowLeakyHandler>;
  let issueNumber: number;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    await sandbox.admin.createRepo({ owner: "acme", name: DISPATCH });
    await sandbox.admin.createRepo({ owner: "acme", name: TARGET });
    app = sandbox.admin.registerApp({ slug: SLUG, installedOn: "acme", tokenLifetimeMs: TOKEN_LIFETIME_MS });
    issueNumber = sandbox.admin.createIssue("acme", DISPATCH, {
      title: "App task",
      body: formatA("app-task-1234", `acme/${TARGET}`),
      labels: ["copilot-agent"],
    }).number;
    handler = slowLeakyHandler(sandbox);
    pipeline = await startPipeline({
      sandbox,
      // No installation id: the runner finds it from the dispatch repository.
      env: { DISPATCH_REPO: `acme/${DISPATCH}`, GITHUB_APP_ID: String(app.appId), GITHUB_APP_PRIVATE_KEY: app.privateKey },
      workerOverrides: { handler },
    });
    await waitFor(
      () => sandbox.admin.getIssue("acme", DISPATCH, issueNumber)?.labels.some((l) => l.name === "processed"),
      90_000,
      "the dispatch issue labelled processed",
    );
  }, 120_000);

  afterAll(async () => {
    await pipeline?.close();
    await sandbox?.close();
  });

  it("ends with one PR authored by the App's bot, and reports as the bot", () => {
    const pulls = sandbox.admin.listPulls("acme", TARGET);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.user.login).toBe(`${SLUG}[bot]`);
    const comments = sandbox.admin.listComments("acme", DISPATCH, issueNumber);
    expect(comments.map((c) => c.user.login)).toEqual([`${SLUG}[bot]`]);
    expect(sandbox.admin.violations()).toEqual([]);
  });

  it("renews the installation token while a task runs: the push came after the checkout's token had expired", () => {
    expect(handler.attempts).toBe(2);
    const minted = sandbox.admin.installationTokens();
    // The poller's, the worker's first, and at least one renewal during the slow attempt.
    expect(minted.length).toBeGreaterThanOrEqual(3);
    const pushes = sandbox.admin.requestLog().filter((e) => e.route.includes("receive-pack") && e.status === 200);
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((e) => e.user === `${SLUG}[bot]`)).toBe(true);
  });

  it("never writes an installation token or the private key to the logs, though a failure quoted them", () => {
    const text = pipeline.logs.text();
    expect(text).toContain("tool crashed; credentials: [REDACTED]");
    for (const token of sandbox.admin.installationTokens()) expect(text).not.toContain(token);
    expect(text).not.toContain(app.privateKey.split("\n")[1]);
    for (const comment of sandbox.admin.listComments("acme", DISPATCH, issueNumber)) {
      for (const token of sandbox.admin.installationTokens()) expect(comment.body).not.toContain(token);
    }
  });
});
