import type { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_OPERATIONS } from "../openapi/api-operations.js";
import { startSandbox } from "../start-sandbox.js";
import { octokitFor, statusOf } from "../test-support/octokit-for.js";
import { signAppJwt } from "../test-support/app-jwt.js";
import { rawRequest } from "../test-support/raw-request.js";
import type { Sandbox } from "../types.js";

/**
 * Drives every route through success and error answers with validation on; the sandbox
 * records each response GitHub's OpenAPI description would not allow.
 */
describe("every route answers only in shapes GitHub's OpenAPI description allows", () => {
  let sandbox: Sandbox;
  let owner: Octokit;
  let reader: Octokit;
  let outsider: Octokit;
  const repo = { owner: "acme", repo: "target" };
  let firstPull = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    owner = octokitFor(sandbox);
    reader = octokitFor(sandbox, sandbox.tokens.readOnly);
    outsider = octokitFor(sandbox, sandbox.tokens.outsider);
    await sandbox.admin.createRepo({ owner: "acme", name: "target", description: "target repo" });
    await sandbox.admin.createRepo({ owner: "acme", name: "secret", private: true });
    await sandbox.admin.commitFiles("acme", "target", { branch: "feature", files: { "feature.txt": "one\ntwo\n" } });
    await sandbox.admin.commitFiles("acme", "target", { branch: "other", files: { "other.txt": "x\n" } });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it("serves repositories", async () => {
    const { data } = await owner.repos.get(repo);
    expect(data.full_name).toBe("acme/target");
    expect(data.default_branch).toBe("main");
    expect(data.clone_url).toBe(`${sandbox.gitUrl}/acme/target.git`);
    expect(data.permissions).toEqual({ admin: true, maintain: true, push: true, triage: true, pull: true });
    expect(await statusOf(owner.repos.get({ owner: "acme", repo: "missing" }))).toBe(404);
    expect(await statusOf(outsider.repos.get({ owner: "acme", repo: "secret" }))).toBe(404);
    expect((await reader.repos.get({ owner: "acme", repo: "secret" })).data.private).toBe(true);
    expect(await statusOf(octokitFor(sandbox, "ghp_wrong").repos.get(repo))).toBe(401);
  });

  it("serves issues, labels and comments", async () => {
    const created = await owner.issues.create({ ...repo, title: "First", body: "text", labels: ["bug", "copilot-agent"] });
    const issue_number = created.data.number;
    await owner.issues.create({ ...repo, title: "No body" });
    await owner.issues.listForRepo({ ...repo, state: "all", per_page: 1 });
    await owner.issues.get({ ...repo, issue_number });
    const comment = await owner.issues.createComment({ ...repo, issue_number, body: "started" });
    await owner.issues.updateComment({ ...repo, comment_id: comment.data.id, body: "done" });
    await owner.issues.listComments({ ...repo, issue_number });
    await owner.issues.listCommentsForRepo({ ...repo, sort: "updated", direction: "desc", since: "2020-01-01T00:00:00Z", per_page: 1 });
    expect(await statusOf(owner.issues.listCommentsForRepo({ ...repo, sort: "nope" as "updated" }))).toBe(422);
    expect(await statusOf(outsider.issues.listCommentsForRepo({ owner: "acme", repo: "secret" }))).toBe(404);
    expect(await statusOf(owner.pulls.get({ ...repo, pull_number: issue_number }))).toBe(404);
    await owner.issues.addLabels({ ...repo, issue_number, labels: ["processed"] });
    await owner.issues.removeLabel({ ...repo, issue_number, name: "bug" });
    await owner.issues.update({ ...repo, issue_number, state: "closed", state_reason: "not_planned" });
    await owner.issues.get({ ...repo, issue_number });
    await owner.issues.update({ ...repo, issue_number, state: "open", labels: [] });
    await outsider.issues.create({ ...repo, title: "From outside", labels: ["bug"] });

    expect(await statusOf(owner.issues.listForRepo({ ...repo, state: "nope" as "open" }))).toBe(422);
    expect(await statusOf(owner.issues.listForRepo({ owner: "acme", repo: "missing" }))).toBe(404);
    expect(await statusOf(owner.issues.create({ ...repo } as never))).toBe(422);
    expect(await statusOf(reader.issues.create({ ...repo, title: "x" }))).toBe(403);
    expect(await statusOf(outsider.issues.create({ owner: "acme", repo: "secret", title: "x" }))).toBe(404);
    expect(await statusOf(owner.issues.get({ ...repo, issue_number: 999 }))).toBe(404);
    expect(await statusOf(owner.issues.update({ ...repo, issue_number: 999, title: "x" }))).toBe(404);
    expect(await statusOf(outsider.issues.update({ ...repo, issue_number, title: "x" }))).toBe(403);
    expect(await statusOf(reader.issues.update({ ...repo, issue_number, title: "x" }))).toBe(403);
    expect(await statusOf(owner.issues.update({ ...repo, issue_number, state: "done" as "open" }))).toBe(422);
    expect(await statusOf(owner.issues.listComments({ ...repo, issue_number: 999 }))).toBe(404);
    expect(await statusOf(owner.issues.createComment({ ...repo, issue_number } as never))).toBe(422);
    expect(await statusOf(reader.issues.createComment({ ...repo, issue_number, body: "x" }))).toBe(403);
    expect(await statusOf(owner.issues.createComment({ ...repo, issue_number: 999, body: "x" }))).toBe(404);
    expect(await statusOf(owner.issues.updateComment({ ...repo, comment_id: 1, body: "x" }))).toBe(404);
    expect(await statusOf(owner.issues.updateComment({ ...repo, comment_id: comment.data.id } as never))).toBe(422);
    expect(await statusOf(outsider.issues.updateComment({ ...repo, comment_id: comment.data.id, body: "x" }))).toBe(403);
    expect(await statusOf(outsider.issues.addLabels({ ...repo, issue_number, labels: ["x"] }))).toBe(403);
    expect(await statusOf(owner.issues.addLabels({ ...repo, issue_number: 999, labels: ["x"] }))).toBe(404);
    expect(await statusOf(owner.issues.addLabels({ ...repo, issue_number }))).toBe(422);
    expect(await statusOf(owner.issues.removeLabel({ ...repo, issue_number, name: "never-there" }))).toBe(404);
    expect(await statusOf(reader.issues.removeLabel({ ...repo, issue_number, name: "processed" }))).toBe(403);
  });

  it("serves pull requests", async () => {
    const created = await owner.pulls.create({ ...repo, title: "Feature", head: "acme:feature", base: "main", body: "Fixes acme/target#1" });
    const pull_number = created.data.number;
    firstPull = pull_number;
    await owner.pulls.list({ ...repo, state: "all" });
    await owner.pulls.list({ ...repo, head: "acme:feature" });
    await owner.pulls.get({ ...repo, pull_number });
    await owner.pulls.update({ ...repo, pull_number, title: "Feature, renamed" });
    await owner.issues.get({ ...repo, issue_number: pull_number });
    await owner.issues.listForRepo(repo);
    const other = await owner.pulls.create({ ...repo, title: "Other", head: "other", base: "main", draft: true });
    await owner.pulls.update({ ...repo, pull_number: other.data.number, state: "closed" });
    await owner.pulls.get({ ...repo, pull_number: other.data.number });
    const thread = sandbox.admin.createReviewComment("acme", "target", pull_number, { body: "why two?", path: "feature.txt", line: 2, user: sandbox.users.outsider });
    sandbox.admin.createReviewComment("acme", "target", pull_number, { body: "because", inReplyTo: thread.id });
    expect((await owner.pulls.get({ ...repo, pull_number })).data.review_comments).toBe(2);
    await owner.pulls.listReviewCommentsForRepo({ ...repo, sort: "updated", direction: "desc", since: "2020-01-01T00:00:00Z", per_page: 1 });
    expect(await statusOf(owner.pulls.listReviewCommentsForRepo({ ...repo, sort: "nope" as "updated" }))).toBe(422);
    expect(await statusOf(outsider.pulls.listReviewCommentsForRepo({ owner: "acme", repo: "secret" }))).toBe(404);
    await sandbox.admin.mergePull("acme", "target", pull_number);
    await owner.pulls.get({ ...repo, pull_number });
    await owner.pulls.list({ ...repo, state: "closed" });

    await owner.pulls.create({ ...repo, title: "Other again", head: "acme:other", base: "main" });
    expect(await statusOf(owner.pulls.create({ ...repo, title: "x", head: "acme:other", base: "main" }))).toBe(422);
    expect(await statusOf(owner.pulls.create({ ...repo, title: "x", head: "missing", base: "main" }))).toBe(422);
    expect(await statusOf(owner.pulls.create({ ...repo, title: "x", head: "feature", base: "missing" }))).toBe(422);
    expect(await statusOf(owner.pulls.create({ ...repo, title: "x", head: "main", base: "main" }))).toBe(422);
    expect(await statusOf(owner.pulls.create({ ...repo, title: "x", base: "main" } as never))).toBe(422);
    expect(await statusOf(reader.pulls.create({ ...repo, title: "x", head: "feature", base: "main" }))).toBe(403);
    expect(await statusOf(owner.pulls.list({ ...repo, state: "merged" as "open" }))).toBe(422);
    expect(await statusOf(owner.pulls.get({ ...repo, pull_number: 1 }))).toBe(404);
    expect(await statusOf(owner.pulls.get({ ...repo, pull_number: 999 }))).toBe(404);
    expect(await statusOf(reader.pulls.update({ ...repo, pull_number, title: "x" }))).toBe(403);
    expect(await statusOf(owner.pulls.update({ ...repo, pull_number, state: "open" }))).toBe(422);
  });

  it("serves branch refs: matching listings and deletes", async () => {
    await sandbox.admin.createBranch("acme", "target", "agent-task-aaaa1111");
    await sandbox.admin.createBranch("acme", "target", "agent-task-bbbb2222");
    const { data } = await owner.git.listMatchingRefs({ ...repo, ref: "heads/agent-task-" });
    expect(data.map((r) => r.ref)).toEqual(["refs/heads/agent-task-aaaa1111", "refs/heads/agent-task-bbbb2222"]);
    expect(data[0]?.object.type).toBe("commit");
    const raw = await rawRequest(`${sandbox.apiUrl}/repos/acme/target/git/matching-refs/heads/agent-task-b`, { token: sandbox.tokens.owner });
    expect((raw.json as { ref: string }[]).map((r) => r.ref)).toEqual(["refs/heads/agent-task-bbbb2222"]);
    expect((await owner.git.listMatchingRefs({ ...repo, ref: "heads/nothing-like-it" })).data).toEqual([]);
    expect((await owner.git.deleteRef({ ...repo, ref: "heads/agent-task-aaaa1111" })).status).toBe(204);
    expect((await sandbox.admin.listBranches("acme", "target")).map((b) => b.name)).not.toContain("agent-task-aaaa1111");

    expect(await statusOf(owner.git.deleteRef({ ...repo, ref: "heads/agent-task-aaaa1111" }))).toBe(422);
    expect(await statusOf(reader.git.deleteRef({ ...repo, ref: "heads/agent-task-bbbb2222" }))).toBe(403);
    expect(await statusOf(outsider.git.listMatchingRefs({ owner: "acme", repo: "secret", ref: "heads/" }))).toBe(404);
  });

  it("serves the rate limit and the authenticated user", async () => {
    const { data } = await owner.rateLimit.get();
    expect(data.rate.limit).toBe(5000);
    expect((await owner.users.getAuthenticated()).data.login).toBe(sandbox.users.owner);
    expect(await statusOf(octokitFor(sandbox, "ghp_wrong").users.getAuthenticated())).toBe(401);
    expect(await statusOf(octokitFor(sandbox, "ghp_wrong").rateLimit.get())).toBe(401);
  });

  it("serves the GitHub App endpoints to the App's JWT", async () => {
    const app = sandbox.admin.registerApp({ slug: "conformance-bot", installedOn: "acme" });
    const jwt = signAppJwt(app.appId, app.privateKey);
    const asApp = { token: jwt };
    expect((await rawRequest(`${sandbox.apiUrl}/app`, asApp)).json).toMatchObject({ id: app.appId, slug: "conformance-bot" });
    const installation = await rawRequest(`${sandbox.apiUrl}/repos/acme/target/installation`, asApp);
    expect(installation.json).toMatchObject({ id: app.installationId, app_slug: "conformance-bot" });
    const minted = await rawRequest(`${sandbox.apiUrl}/app/installations/${app.installationId}/access_tokens`, { ...asApp, method: "POST" });
    expect(minted.status).toBe(201);
    expect(minted.json).toMatchObject({ token: expect.stringMatching(/^ghs_/) as unknown });

    expect((await rawRequest(`${sandbox.apiUrl}/app`, { token: sandbox.tokens.owner })).status).toBe(401);
    expect((await rawRequest(`${sandbox.apiUrl}/repos/acme/missing/installation`, asApp)).status).toBe(404);
    expect((await rawRequest(`${sandbox.apiUrl}/app/installations/1/access_tokens`, { ...asApp, method: "POST" })).status).toBe(404);
  });

  it("answers conditional requests with 304 and no body", async () => {
    const paths = ["/repos/acme/target", "/repos/acme/target/issues", "/repos/acme/target/issues/1", "/repos/acme/target/issues/1/comments"];
    paths.push("/repos/acme/target/pulls", `/repos/acme/target/pulls/${firstPull}`, "/repos/acme/target/pulls/comments", "/rate_limit", "/user", "/repos/acme/target/git/matching-refs/heads/agent-task-");
    for (const path of paths) {
      const first = await rawRequest(`${sandbox.apiUrl}${path}`, { token: sandbox.tokens.owner });
      const etag = first.headers.get("etag") ?? "";
      const second = await rawRequest(`${sandbox.apiUrl}${path}`, { token: sandbox.tokens.owner, headers: { "if-none-match": etag } });
      expect(second.status, path).toBe(304);
      expect(second.text).toBe("");
    }
  });

  it("answers unparsable JSON with 400", async () => {
    const response = await rawRequest(`${sandbox.apiUrl}/repos/acme/target/issues`, { method: "POST", token: sandbox.tokens.owner, body: "{nope" });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ message: "Problems parsing JSON" });
  });

  it("recorded no violation, and exercised every operation with a success and an error", () => {
    expect(sandbox.admin.violations()).toEqual([]);
    const seen = new Set(sandbox.admin.requestLog().map((entry) => `${entry.route} ${Math.floor(entry.status / 100)}xx`));
    for (const operation of API_OPERATIONS) {
      expect(seen.has(`${operation} 2xx`), `${operation} success`).toBe(true);
      expect(seen.has(`${operation} 4xx`), `${operation} error`).toBe(true);
    }
  });
});
