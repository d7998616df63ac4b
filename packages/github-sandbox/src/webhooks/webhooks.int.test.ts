import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpenApiValidator } from "../openapi/openapi-validator.js";
import { startSandbox } from "../start-sandbox.js";
import { octokitFor } from "../test-support/octokit-for.js";
import type { Sandbox } from "../types.js";

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  payload: {
    action: string;
    /** Absent from `pull_request_review_comment` deliveries. */
    issue: { number: number; title: string; state: string; pull_request?: unknown };
    label?: { name: string };
    comment?: { body: string; user: { login: string }; path?: string; line?: number };
    pull_request?: { number: number };
    changes?: unknown;
    sender: { login: string };
    repository: { full_name: string };
  };
}

const SECRET = "It's a Secret to Everybody";

/** What a receiver must do: HMAC the raw body and compare in constant time. */
function signatureIsValid(raw: string, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`);
  const given = Buffer.from(String(header ?? ""));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe("issues webhooks", () => {
  let sandbox: Sandbox;
  let receiver: Server;
  let url: string;
  let received: Received[] = [];
  let answerWith = 200;
  const repo = { owner: "acme", repo: "hooks" };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let raw = "";
      req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
      req.on("end", () => {
        received.push({ headers: req.headers, raw, payload: JSON.parse(raw) as Received["payload"] });
        res.writeHead(answerWith).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    sandbox = await startSandbox({ validateResponses: true });
    await sandbox.admin.createRepo({ owner: repo.owner, name: repo.repo });
  });

  beforeEach(() => {
    received = [];
    answerWith = 200;
    sandbox.admin.setWebhook({ url, secret: SECRET });
  });

  afterAll(async () => {
    await sandbox.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it("delivers opened and labeled with GitHub's headers and a valid signature", async () => {
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "dispatch", labels: ["copilot-agent"] });
    await sandbox.admin.flushWebhooks();
    expect(received.map((delivery) => [delivery.payload.action, delivery.payload.label?.name])).toEqual([
      ["opened", undefined],
      ["labeled", "copilot-agent"],
    ]);
    for (const delivery of received) {
      expect(delivery.headers["x-github-event"]).toBe("issues");
      expect(delivery.headers["x-github-delivery"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(delivery.headers["content-type"]).toBe("application/json");
      expect(signatureIsValid(delivery.raw, delivery.headers["x-hub-signature-256"])).toBe(true);
      expect(delivery.payload.issue.number).toBe(issue.number);
      expect(delivery.payload.repository.full_name).toBe("acme/hooks");
      expect(delivery.payload.sender.login).toBe(sandbox.users.owner);
    }
    expect(new Set(received.map((delivery) => delivery.headers["x-github-delivery"])).size).toBe(2);
    expect(sandbox.admin.deliveries().slice(-2)).toMatchObject([
      { event: "issues", action: "opened", status: 200, repository: "acme/hooks", issueNumber: issue.number },
      { event: "issues", action: "labeled", status: 200 },
    ]);
  });

  it("delivers edited, unlabeled, closed and reopened for changes made through the API", async () => {
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "old", labels: ["a"] });
    await sandbox.admin.flushWebhooks();
    received = [];
    const octokit = octokitFor(sandbox);
    await octokit.issues.update({ ...repo, issue_number: issue.number, title: "new" });
    await octokit.issues.removeLabel({ ...repo, issue_number: issue.number, name: "a" });
    await octokit.issues.update({ ...repo, issue_number: issue.number, state: "closed" });
    await octokit.issues.update({ ...repo, issue_number: issue.number, state: "open" });
    await sandbox.admin.flushWebhooks();
    expect(received.map((delivery) => delivery.payload.action)).toEqual(["edited", "unlabeled", "closed", "reopened"]);
    expect(received[0]?.payload.changes).toEqual({ title: { from: "old" } });
    expect(received[2]?.payload.issue.state).toBe("closed");
    expect(received.every((delivery) => signatureIsValid(delivery.raw, delivery.headers["x-hub-signature-256"]))).toBe(true);
  });

  it("sends payloads that GitHub's webhook schemas accept", async () => {
    const validator = await createOpenApiValidator();
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t", body: null, labels: ["x"] });
    sandbox.admin.updateIssue(repo.owner, repo.repo, issue.number, { body: "b", labels: [], state: "closed" });
    sandbox.admin.updateIssue(repo.owner, repo.repo, issue.number, { state: "open" });
    await sandbox.admin.flushWebhooks();
    expect(new Set(received.map((delivery) => delivery.payload.action))).toEqual(new Set(["opened", "labeled", "edited", "unlabeled", "closed", "reopened"]));
    for (const delivery of received) {
      expect(validator.validateWebhook("issues", delivery.payload.action, delivery.payload), delivery.payload.action).toEqual([]);
    }
    expect(sandbox.admin.violations()).toEqual([]);
  });

  it("delivers issue_comment created, signed and valid against GitHub's schema, for a comment by anyone", async () => {
    const validator = await createOpenApiValidator();
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t", labels: ["copilot-agent"] });
    await sandbox.admin.flushWebhooks();
    received = [];
    sandbox.admin.createComment(repo.owner, repo.repo, issue.number, { body: "any news?", user: sandbox.users.outsider });
    await octokitFor(sandbox).issues.createComment({ ...repo, issue_number: issue.number, body: "soon" });
    await sandbox.admin.flushWebhooks();
    expect(received.map((d) => [d.headers["x-github-event"], d.payload.action, d.payload.comment?.body, d.payload.sender.login])).toEqual([
      ["issue_comment", "created", "any news?", sandbox.users.outsider],
      ["issue_comment", "created", "soon", sandbox.users.owner],
    ]);
    for (const delivery of received) {
      expect(signatureIsValid(delivery.raw, delivery.headers["x-hub-signature-256"])).toBe(true);
      expect(delivery.payload.issue.number).toBe(issue.number);
      expect(validator.validateWebhook("issue_comment", "created", delivery.payload)).toEqual([]);
    }
    expect(sandbox.admin.deliveries().at(-1)).toMatchObject({ event: "issue_comment", action: "created", status: 200 });
    expect(sandbox.admin.violations()).toEqual([]);
  });

  it("delivers issue_comment for a comment on a pull request's conversation, its issue marked by pull_request", async () => {
    const validator = await createOpenApiValidator();
    await sandbox.admin.commitFiles(repo.owner, repo.repo, { branch: "review", files: { "r.txt": "r" } });
    const pull = await octokitFor(sandbox).pulls.create({ ...repo, title: "pull", head: "review", base: "main" });
    await sandbox.admin.flushWebhooks();
    received = [];
    sandbox.admin.createComment(repo.owner, repo.repo, pull.data.number, { body: "/agent one more thing" });
    await sandbox.admin.flushWebhooks();
    expect(received.map((d) => [d.headers["x-github-event"], d.payload.action, d.payload.issue.number, d.payload.comment?.body])).toEqual([
      ["issue_comment", "created", pull.data.number, "/agent one more thing"],
    ]);
    expect(received[0]?.payload.issue.pull_request).toBeDefined();
    expect(validator.validateWebhook("issue_comment", "created", received[0]?.payload)).toEqual([]);
    expect(sandbox.admin.violations()).toEqual([]);
  });

  it("delivers pull_request_review_comment created for a comment on a pull request's diff, valid against GitHub's schema", async () => {
    const validator = await createOpenApiValidator();
    await sandbox.admin.commitFiles(repo.owner, repo.repo, { branch: "inline", files: { "inline.txt": "one\ntwo\n" } });
    const pull = await octokitFor(sandbox).pulls.create({ ...repo, title: "pull", head: "inline", base: "main" });
    await sandbox.admin.flushWebhooks();
    received = [];
    const top = sandbox.admin.createReviewComment(repo.owner, repo.repo, pull.data.number, { body: "/agent say three", path: "inline.txt", line: 2, user: sandbox.users.outsider });
    sandbox.admin.createReviewComment(repo.owner, repo.repo, pull.data.number, { body: "seconded", inReplyTo: top.id });
    await sandbox.admin.flushWebhooks();
    const events = received.map((d) => [d.headers["x-github-event"], d.payload.action, d.payload.comment?.body, d.payload.sender.login]);
    expect(events).toEqual([
      ["pull_request_review_comment", "created", "/agent say three", sandbox.users.outsider],
      ["pull_request_review_comment", "created", "seconded", sandbox.users.owner],
    ]);
    for (const delivery of received) {
      expect(signatureIsValid(delivery.raw, delivery.headers["x-hub-signature-256"])).toBe(true);
      expect(delivery.payload).toMatchObject({ pull_request: { number: pull.data.number }, comment: { path: "inline.txt", line: 2 } });
      expect(validator.validateWebhook("pull_request_review_comment", "created", delivery.payload)).toEqual([]);
    }
    expect(sandbox.admin.deliveries().at(-1)).toMatchObject({ event: "pull_request_review_comment", action: "created", status: 200, issueNumber: pull.data.number });
    expect(sandbox.admin.violations()).toEqual([]);
  });

  it("records the receiver's status and network failures", async () => {
    answerWith = 500;
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t" });
    await sandbox.admin.flushWebhooks();
    expect(sandbox.admin.deliveries().at(-1)?.status).toBe(500);
    sandbox.admin.setWebhook({ url: "http://127.0.0.1:1/unreachable", secret: SECRET });
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t" });
    await sandbox.admin.flushWebhooks();
    expect(sandbox.admin.deliveries().at(-1)?.status).toBe("error");
  });

  it("sends nothing once the webhook is removed, nor for pull requests", async () => {
    await sandbox.admin.commitFiles(repo.owner, repo.repo, { branch: "topic", files: { "t.txt": "t" } });
    await octokitFor(sandbox).pulls.create({ ...repo, title: "pull", head: "topic", base: "main" });
    sandbox.admin.setWebhook(null);
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t" });
    await sandbox.admin.flushWebhooks();
    expect(received).toEqual([]);
  });
});
