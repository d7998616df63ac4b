import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { SecretSet } from "@agent-runner/core";
import { startSandbox, type RegisteredApp, type Sandbox } from "@agent-runner/github-sandbox";
import { GitHubAppTokenSource } from "./github-app-token-source.js";
import { OctokitGitHubClient } from "./octokit-github-client.js";

describe("the adapter as a GitHub App against the sandbox", () => {
  let sandbox: Sandbox;
  let app: RegisteredApp;
  const silent = pino({ level: "silent" });
  const dispatch = { owner: "acme", repo: "dispatch" };

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    // Two seconds: long enough for a few requests, short enough to expire within the test.
    app = sandbox.admin.registerApp({ slug: "agent-runner-test", installedOn: "acme", tokenLifetimeMs: 2_000 });
  });

  afterAll(async () => {
    expect(sandbox.admin.violations()).toEqual([]);
    await sandbox.close();
  });

  const source = (secrets = new SecretSet(), installationId?: number) =>
    new GitHubAppTokenSource({
      appId: app.appId,
      privateKey: app.privateKey,
      installationId,
      installationRepo: dispatch,
      baseUrl: sandbox.apiUrl,
      secrets,
    });

  it("finds the installation from the dispatch repository and mints an installation token", async () => {
    const secrets = new SecretSet();
    const token = await source(secrets).token();
    expect(token).toMatch(/^ghs_/);
    expect(secrets.list()).toEqual([token]);
    const routes = sandbox.admin.requestLog().map((entry) => `${entry.route} ${entry.status}`);
    expect(routes).toContain("GET /repos/{owner}/{repo}/installation 200");
    expect(routes).toContain("POST /app/installations/{installation_id}/access_tokens 201");
  });

  it("knows its login as the App's bot, from GET /app", async () => {
    const client = new OctokitGitHubClient({ token: "", tokenSource: source(), baseUrl: sandbox.apiUrl, logger: silent });
    expect(await client.getAuthenticatedLogin()).toBe("agent-runner-test[bot]");
  });

  it("renews the token before it expires, so requests keep working past the first token's life", async () => {
    const secrets = new SecretSet();
    const tokens = source(secrets, app.installationId);
    const client = new OctokitGitHubClient({ token: "", tokenSource: tokens, secrets, baseUrl: sandbox.apiUrl, logger: silent, retryBaseMs: 1 });
    const first = await tokens.token();
    const issue = sandbox.admin.createIssue("acme", "dispatch", { title: "for the bot" });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    // The first token is dead by now: the sandbox refuses it, as GitHub would.
    const dead = await fetch(`${sandbox.apiUrl}/repos/acme/dispatch`, { headers: { authorization: `token ${first}` } });
    expect(dead.status).toBe(401);
    const comment = await client.createIssueComment(dispatch, issue.number, "still here");
    expect(comment.authorLogin).toBe("agent-runner-test[bot]");
    expect(secrets.list().length).toBeGreaterThanOrEqual(2);
    expect(secrets.list()).toContain(first);
  });
});
