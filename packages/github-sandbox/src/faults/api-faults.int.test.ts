import type { Octokit } from "@octokit/rest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../start-sandbox.js";
import { errorOf, octokitFor } from "../test-support/octokit-for.js";
import type { Sandbox } from "../types.js";

const CREATE_ISSUE = "POST /repos/{owner}/{repo}/issues";
const CREATE_PULL = "POST /repos/{owner}/{repo}/pulls";

describe("fault injection and latency on the REST API", () => {
  let sandbox: Sandbox;
  let owner: Octokit;
  const repo = { owner: "acme", repo: "faults" };
  const issueCount = () => sandbox.admin.listIssues(repo.owner, repo.repo).length;

  beforeAll(async () => {
    sandbox = await startSandbox();
    owner = octokitFor(sandbox);
    await sandbox.admin.createRepo({ owner: repo.owner, name: repo.repo });
  });

  afterEach(() => {
    sandbox.admin.clearFaults();
    sandbox.admin.setLatency(0);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it("answers the next matching request with the fault status without performing it", async () => {
    const before = issueCount();
    sandbox.admin.injectFault({ route: CREATE_ISSUE, status: 500 });
    expect(await errorOf(owner.issues.create({ ...repo, title: "x" }))).toMatchObject({
      status: 500,
      data: { message: "Internal Server Error" },
    });
    expect(issueCount()).toBe(before);
    await owner.issues.create({ ...repo, title: "x" });
    expect(issueCount()).toBe(before + 1);
  });

  it("defaults to 502, applies to count requests, and only to the matching route", async () => {
    sandbox.admin.injectFault({ route: "GET /repos/{owner}/{repo}", count: 2 });
    await owner.issues.listForRepo(repo);
    expect((await errorOf(owner.repos.get(repo))).status).toBe(502);
    expect((await errorOf(owner.repos.get(repo))).status).toBe(502);
    expect((await owner.repos.get(repo)).status).toBe(200);
  });

  it("performs the write before an afterAction fault, so a retried create meets the duplicate", async () => {
    await sandbox.admin.commitFiles(repo.owner, repo.repo, { branch: "lost", files: { "lost.txt": "x" } });
    sandbox.admin.injectFault({ route: CREATE_PULL, status: 502, afterAction: true });
    expect((await errorOf(owner.pulls.create({ ...repo, title: "t", head: "lost", base: "main" }))).status).toBe(502);
    expect(sandbox.admin.listPulls(repo.owner, repo.repo).filter((pull) => pull.head.ref === "lost")).toHaveLength(1);
    const retry = await errorOf(owner.pulls.create({ ...repo, title: "t", head: "lost", base: "main" }));
    expect(retry.data).toMatchObject({ errors: [{ message: "A pull request already exists for acme:lost." }] });
    const logged = sandbox.admin.requestLog().filter((entry) => entry.route === CREATE_PULL);
    expect(logged.map((entry) => [entry.status, entry.fault])).toEqual([
      [502, "status"],
      [422, undefined],
    ]);
  });

  it("destroys the connection on a drop fault, before or after the action", async () => {
    const before = issueCount();
    sandbox.admin.injectFault({ route: CREATE_ISSUE, drop: true });
    await expect(owner.issues.create({ ...repo, title: "dropped" })).rejects.toThrow();
    expect(issueCount()).toBe(before);
    sandbox.admin.injectFault({ route: CREATE_ISSUE, drop: true, afterAction: true });
    await expect(owner.issues.create({ ...repo, title: "lost" })).rejects.toThrow();
    expect(issueCount()).toBe(before + 1);
  });

  it("sends a custom body and matches any route with *", async () => {
    sandbox.admin.injectFault({ route: "*", status: 503, body: { message: "Service Unavailable", code: "maintenance" } });
    expect(await errorOf(owner.rateLimit.get())).toMatchObject({ status: 503, data: { code: "maintenance" } });
  });

  it("adds the configured latency to every request", async () => {
    sandbox.admin.setLatency(150);
    const started = Date.now();
    await owner.repos.get(repo);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    const entry = sandbox.admin.requestLog().at(-1);
    expect(entry?.durationMs).toBeGreaterThanOrEqual(145);
  });

  it("starts with the latency given to startSandbox", async () => {
    const slow = await startSandbox({ latencyMs: 120 });
    try {
      const started = Date.now();
      await octokitFor(slow).rateLimit.get();
      expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    } finally {
      await slow.close();
    }
  });
});
