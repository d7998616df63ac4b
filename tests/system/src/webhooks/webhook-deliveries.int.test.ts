import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POLLER_METRICS } from "@agent-runner/poller";
import { signatureSha256, startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, parseExposition, sampleValue, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

// Built at run time so no secret-shaped literal sits in the repository.
const SECRET = ["webhook", "secret", randomUUID()].join("-");

describe("webhook deliveries to the poller", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let name = "";
  let repoCount = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    await sandbox.admin.createRepo({ owner: "acme", name: "target" });
  });

  // A dispatch repository per test, so one test's issues are not another's start-up sweep.
  beforeEach(async () => {
    name = `dispatch-${++repoCount}`;
    await sandbox.admin.createRepo({ owner: "acme", name });
  });

  afterEach(async () => {
    sandbox.admin.setWebhook(null);
    await pipeline?.close();
    pipeline = undefined;
  });

  afterAll(async () => {
    expect(sandbox.admin.violations()).toEqual([]);
    await sandbox.close();
  });

  /** A poller (no worker) whose only poll after start is an hour away unless `pollSeconds` says otherwise. */
  async function start(pollSeconds = 3600): Promise<{ url: string; port: number }> {
    pipeline = await startPipeline({
      sandbox,
      workers: 0,
      env: { DISPATCH_REPO: `acme/${name}`, GITHUB_WEBHOOK_SECRET: SECRET, WEBHOOK_PORT: "0", POLL_INTERVAL_SECONDS: String(pollSeconds), WEBHOOK_POLL_INTERVAL_SECONDS: String(pollSeconds) },
    });
    const poller = pipeline.poller;
    if (poller?.webhooks === undefined) throw new Error("the poller runs no webhook receiver");
    // The start-up sweep has run: from here on only a delivery (or the hour) finds a task.
    await waitFor(() => pipeline?.logs.text().includes('"poll finished"'), 10_000, "the start-up sweep");
    return { url: poller.webhooks.url, port: poller.ops.port };
  }

  async function metric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    return sampleValue(parseExposition(await response.text()), name, labels) ?? 0;
  }

  async function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
    const response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
    await response.arrayBuffer();
    return response.status;
  }

  /** A delivery as GitHub would sign it, for an issue of the dispatch repo. */
  async function issuesDelivery(number: number, id = randomUUID()): Promise<{ body: string; headers: Record<string, string> }> {
    const issue = await (await fetch(`${sandbox.apiUrl}/repos/acme/${name}/issues/${number}`, { headers: { authorization: `token ${sandbox.tokens.owner}` } })).json();
    const body = JSON.stringify({ action: "labeled", issue, repository: { full_name: `acme/${name}` }, sender: { login: sandbox.users.owner } });
    return { body, headers: { "x-github-event": "issues", "x-github-delivery": id, "x-hub-signature-256": signatureSha256(SECRET, body) } };
  }

  it("enqueues a task from the issues delivery, long before the next poll, through the same decision", async () => {
    const { url, port } = await start();
    sandbox.admin.setWebhook({ url, secret: SECRET });
    sandbox.admin.createIssue("acme", name, { title: "Hooked", body: formatA("hooked-1", "acme/target"), labels: ["copilot-agent"] });
    sandbox.admin.createIssue("acme", name, { title: "Stranger", body: formatA("stranger-1", "acme/target"), labels: ["copilot-agent"], user: sandbox.users.outsider });
    await sandbox.admin.flushWebhooks();
    await waitFor(async () => (await metric(port, POLLER_METRICS.found.name, { path: "event" })) === 1, 10_000, "the task found by the event");
    await pipeline?.poller?.webhooks?.drain();
    expect(await metric(port, POLLER_METRICS.found.name, { path: "poll" })).toBe(0);
    expect(await metric(port, POLLER_METRICS.invalid.name, { reason: "untrusted_author" })).toBeGreaterThanOrEqual(1);
    expect(await metric(port, POLLER_METRICS.deliveries.name, { event: "issues", outcome: "accepted" })).toBeGreaterThanOrEqual(2);
    expect(sandbox.admin.deliveries().filter((d) => d.event === "issues").every((d) => d.status === 202 || d.status === 200)).toBe(true);
  });

  it("brings a labelled issue in through a comment by anyone (issue_comment)", async () => {
    const issue = sandbox.admin.createIssue("acme", name, { title: "Quiet", body: formatA("comment-1", "acme/target"), labels: ["copilot-agent", "processed"] });
    const { url, port } = await start();
    // Made eligible while no webhook was configured: no delivery, and the next poll is an hour away.
    sandbox.admin.updateIssue("acme", name, issue.number, { labels: ["copilot-agent"] });
    sandbox.admin.setWebhook({ url, secret: SECRET });
    sandbox.admin.createComment("acme", name, issue.number, { body: "any news?", user: sandbox.users.outsider });
    await sandbox.admin.flushWebhooks();
    await pipeline?.poller?.webhooks?.drain();
    expect(sandbox.admin.deliveries().at(-1)).toMatchObject({ event: "issue_comment", status: 202 });
    expect(await metric(port, POLLER_METRICS.found.name, { path: "event" })).toBe(1);
    expect(await metric(port, POLLER_METRICS.deliveries.name, { event: "issue_comment", outcome: "accepted" })).toBe(1);
  });

  it("cancels a queued task as soon as the issues delivery says its issue was closed, not at the next sweep", async () => {
    const { url } = await start();
    sandbox.admin.setWebhook({ url, secret: SECRET });
    const issue = sandbox.admin.createIssue("acme", name, { title: "Closed soon", body: formatA("closed-1", "acme/target"), labels: ["copilot-agent"] });
    await sandbox.admin.flushWebhooks();
    await pipeline?.poller?.webhooks?.drain();
    const jobKey = `${pipeline?.prefix ?? ""}:tasks:closed-1`;
    // Queued by the "opened" delivery (no worker runs, so it waits)...
    expect(await pipeline?.redis.exists(jobKey)).toBe(1);

    sandbox.admin.updateIssue("acme", name, issue.number, { state: "closed" });
    await sandbox.admin.flushWebhooks();
    await pipeline?.poller?.webhooks?.drain();

    // ...and removed by the "closed" one, with one comment, while the next sweep is an hour away.
    expect(sandbox.admin.deliveries().find((d) => d.action === "closed")).toMatchObject({ event: "issues", status: 202 });
    expect(await pipeline?.redis.exists(jobKey)).toBe(0);
    const comments = sandbox.admin.listComments("acme", name, issue.number).filter((c) => c.body.includes("cancelled this task"));
    expect(comments).toHaveLength(1);
  });

  it("ignores the close of an issue that carries no task", async () => {
    const { url } = await start();
    const issue = sandbox.admin.createIssue("acme", name, { title: "Unrelated", body: "just a question", labels: [] });
    sandbox.admin.setWebhook({ url, secret: SECRET });
    sandbox.admin.updateIssue("acme", name, issue.number, { state: "closed" });
    await sandbox.admin.flushWebhooks();
    await pipeline?.poller?.webhooks?.drain();
    expect(sandbox.admin.listComments("acme", name, issue.number)).toEqual([]);
  });

  it("refuses a wrong or missing signature with 401, enqueues nothing and logs no payload", async () => {
    const { url, port } = await start();
    const issue = sandbox.admin.createIssue("acme", name, { title: "Forged", body: formatA("forged-1", "acme/target"), labels: ["copilot-agent"] });
    const genuine = await issuesDelivery(issue.number);
    const forged = { ...genuine.headers, "x-hub-signature-256": signatureSha256("not-the-secret-at-all", genuine.body) };
    expect(await post(url, genuine.body, forged)).toBe(401);
    const { ["x-hub-signature-256"]: _dropped, ...unsigned } = genuine.headers;
    expect(await post(url, genuine.body, unsigned)).toBe(401);
    expect(await metric(port, POLLER_METRICS.signatureFailures.name)).toBe(2);
    expect(await metric(port, POLLER_METRICS.found.name, { path: "event" })).toBe(0);
    const logged = pipeline?.logs.text() ?? "";
    expect(logged).toContain("bad signature");
    expect(logged).not.toContain("forged-1");
    expect(logged).not.toContain(SECRET);
    // The same body, correctly signed, is accepted: the refusals were about the signature alone.
    expect(await post(url, genuine.body, { ...genuine.headers, "x-github-delivery": randomUUID() })).toBe(202);
  });

  it("handles a replayed delivery once and refuses a body over 1 MiB with 413", async () => {
    const { url, port } = await start();
    const issue = sandbox.admin.createIssue("acme", name, { title: "Replay", body: formatA("replay-1", "acme/target"), labels: ["copilot-agent"] });
    const delivery = await issuesDelivery(issue.number);
    expect(await post(url, delivery.body, delivery.headers)).toBe(202);
    expect(await post(url, delivery.body, delivery.headers)).toBe(200);
    expect(await metric(port, POLLER_METRICS.deliveries.name, { event: "issues", outcome: "duplicate" })).toBe(1);
    const huge = JSON.stringify({ action: "opened", padding: "x".repeat(1024 * 1024) });
    const status = await post(url, huge, { "x-github-event": "issues", "x-github-delivery": randomUUID(), "x-hub-signature-256": signatureSha256(SECRET, huge) });
    expect(status).toBe(413);
    expect(await metric(port, POLLER_METRICS.deliveries.name, { event: "issues", outcome: "too_large" })).toBe(1);
  });

  it("loses no task while the receiver is down: polling finds it", async () => {
    const { port } = await start(1);
    sandbox.admin.setWebhook({ url: "http://127.0.0.1:1/webhooks/github", secret: SECRET });
    sandbox.admin.createIssue("acme", name, { title: "Missed", body: formatA("missed-1", "acme/target"), labels: ["copilot-agent"] });
    await sandbox.admin.flushWebhooks();
    expect(sandbox.admin.deliveries().at(-1)?.status).toBe("error");
    await waitFor(async () => (await metric(port, POLLER_METRICS.found.name, { path: "poll" })) === 1, 15_000, "the task found by polling");
    expect(await metric(port, POLLER_METRICS.found.name, { path: "event" })).toBe(0);
  });
});
