import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../start-sandbox.js";
import { errorOf, octokitFor } from "../test-support/octokit-for.js";
import { rawRequest } from "../test-support/raw-request.js";
import type { Sandbox } from "../types.js";
import { createAdminClient } from "./admin-client.js";

describe("the admin API over HTTP", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it("seeds and inspects a sandbox from another process's point of view", async () => {
    const admin = createAdminClient(sandbox.adminUrl, sandbox.adminToken);
    const repo = await admin.createRepo({ owner: "acme", name: "remote", files: { "a.txt": "a\n" } });
    expect(repo.clone_url).toBe(`${sandbox.gitUrl}/acme/remote.git`);
    const issue = await admin.createIssue("acme", "remote", { title: "seeded", labels: ["copilot-agent"] });
    await octokitFor(sandbox).issues.createComment({ owner: "acme", repo: "remote", issue_number: issue.number, body: "hi" });
    expect((await admin.listComments("acme", "remote", issue.number)).map((comment) => comment.body)).toEqual(["hi"]);
    expect((await admin.getIssue("acme", "remote", issue.number))?.labels.map((label) => label.name)).toEqual(["copilot-agent"]);
    expect(await admin.readFile("acme", "remote", "main", "a.txt")).toBe("a\n");
    expect(await admin.getIssue("acme", "remote", 99)).toBeNull();
    expect((await admin.requestLog()).some((entry) => entry.route === "POST /repos/{owner}/{repo}/issues/{issue_number}/comments")).toBe(true);
  });

  it("describes the sandbox and accepts the owner token as well as the admin token", async () => {
    const info = await createAdminClient(sandbox.apiUrl, sandbox.tokens.owner).info();
    expect(info).toEqual({ apiUrl: sandbox.apiUrl, gitUrl: sandbox.gitUrl, adminUrl: sandbox.adminUrl, tokens: sandbox.tokens, users: sandbox.users });
  });

  it("carries unlimited faults across JSON", async () => {
    const admin = createAdminClient(sandbox.adminUrl, sandbox.adminToken);
    await admin.injectFault({ route: "GET /rate_limit", status: 500, count: Infinity });
    const octokit = octokitFor(sandbox);
    for (let i = 0; i < 3; i += 1) expect((await errorOf(octokit.rateLimit.get())).status).toBe(500);
    await admin.clearFaults();
    expect((await octokit.rateLimit.get()).status).toBe(200);
  });

  it("turns a failed call into a rejected promise with the sandbox's message", async () => {
    const admin = createAdminClient(sandbox.adminUrl, sandbox.adminToken);
    await expect(admin.createIssue("acme", "missing", { title: "x" })).rejects.toThrow("No repository acme/missing");
  });

  it("refuses callers without the admin or owner token", async () => {
    for (const token of [undefined, sandbox.tokens.readOnly, "nope"]) {
      const response = await rawRequest(`${sandbox.adminUrl}/info`, token ? { token } : {});
      expect(response.status).toBe(401);
    }
    await expect(createAdminClient(sandbox.adminUrl, "nope").listIssues("acme", "remote")).rejects.toThrow("admin token required");
  });

  it("answers 404 for unknown calls", async () => {
    const response = await rawRequest(`${sandbox.adminUrl}/rpc/close`, { method: "POST", token: sandbox.adminToken });
    expect(response.status).toBe(404);
  });
});
