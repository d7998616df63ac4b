import type { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox } from "../start-sandbox.js";
import { errorOf, octokitFor } from "../test-support/octokit-for.js";
import { rawRequest } from "../test-support/raw-request.js";
import type { Sandbox } from "../types.js";

describe("the issues API", () => {
  let sandbox: Sandbox;
  let owner: Octokit;
  let repoCount = 0;
  let repo: { owner: string; repo: string };

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    owner = octokitFor(sandbox);
  });

  beforeEach(async () => {
    repoCount += 1;
    repo = { owner: "acme", repo: `issues-${repoCount}` };
    await sandbox.admin.createRepo({ owner: "acme", name: repo.repo, collaborators: ["colla"] });
  });

  afterAll(async () => {
    expect(sandbox.admin.violations()).toEqual([]);
    await sandbox.close();
  });

  const titles = (issues: Array<{ title: string }>) => issues.map((issue) => issue.title);

  it("lists pull requests among issues, marked by a pull_request key", async () => {
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "an issue" });
    await sandbox.admin.commitFiles(repo.owner, repo.repo, { branch: "topic", files: { "a.txt": "a" } });
    await owner.pulls.create({ ...repo, title: "a pull", head: "topic", base: "main" });
    const { data } = await owner.issues.listForRepo(repo);
    expect(titles(data)).toEqual(["a pull", "an issue"]);
    expect(data[0]?.pull_request?.url).toBe(`${sandbox.apiUrl}/repos/${repo.owner}/${repo.repo}/pulls/2`);
    expect(data[1]?.pull_request).toBeUndefined();
    expect(sandbox.admin.listIssues(repo.owner, repo.repo).map((issue) => issue.title)).toEqual(["an issue"]);
  });

  it("filters by labels: every label must match, names case-insensitively", async () => {
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "both", labels: ["copilot-agent", "Urgent"] });
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "one", labels: ["copilot-agent"] });
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "none" });
    expect(titles((await owner.issues.listForRepo({ ...repo, labels: "COPILOT-AGENT" })).data)).toEqual(["one", "both"]);
    expect(titles((await owner.issues.listForRepo({ ...repo, labels: "copilot-agent,urgent" })).data)).toEqual(["both"]);
    expect(titles((await owner.issues.listForRepo({ ...repo, labels: "missing" })).data)).toEqual([]);
  });

  it("filters by state and since, and sorts by created, updated or comments in either direction", async () => {
    const a = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "a" });
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "b", state: "closed" });
    const c = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "c" });
    sandbox.admin.createComment(repo.owner, repo.repo, a.number, { body: "one" });
    sandbox.admin.createComment(repo.owner, repo.repo, a.number, { body: "two" });
    sandbox.admin.createComment(repo.owner, repo.repo, c.number, { body: "one" });
    expect(titles((await owner.issues.listForRepo(repo)).data)).toEqual(["c", "a"]);
    expect(titles((await owner.issues.listForRepo({ ...repo, state: "closed" })).data)).toEqual(["b"]);
    expect(titles((await owner.issues.listForRepo({ ...repo, state: "all", direction: "asc" })).data)).toEqual(["a", "b", "c"]);
    expect(titles((await owner.issues.listForRepo({ ...repo, sort: "comments" })).data)).toEqual(["a", "c"]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await owner.issues.listForRepo({ ...repo, since: future })).data).toEqual([]);
    const past = new Date(Date.now() - 60_000).toISOString();
    expect((await owner.issues.listForRepo({ ...repo, since: past })).data).toHaveLength(2);
  });

  it("keeps issues updated at or after since, to the second, and a comment brings an old issue back", async () => {
    const a = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "a", labels: ["copilot-agent"] });
    const listed = (await owner.issues.get({ ...repo, issue_number: a.number })).data;
    const at = Date.parse(listed.updated_at);
    const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
    const since = async (ms: number) => titles((await owner.issues.listForRepo({ ...repo, labels: "copilot-agent", since: iso(ms) })).data);
    expect(await since(at)).toEqual(["a"]);
    expect(await since(at - 1000)).toEqual(["a"]);
    expect(await since(at + 1000)).toEqual([]);
    const later = Date.now() + 1500;
    while (Date.now() < later) await new Promise((resolve) => setTimeout(resolve, 100));
    await owner.issues.createComment({ ...repo, issue_number: a.number, body: "anyone" });
    expect(await since(at + 1000)).toEqual(["a"]);
  });

  it("paginates with Link next/last headers that Octokit's paginate follows", async () => {
    for (let i = 1; i <= 35; i += 1) sandbox.admin.createIssue(repo.owner, repo.repo, { title: `issue ${i}` });
    const first = await owner.issues.listForRepo(repo);
    expect(first.data).toHaveLength(30);
    const base = `${sandbox.apiUrl}/repos/${repo.owner}/${repo.repo}/issues`;
    expect(first.headers.link).toBe(`<${base}?page=2>; rel="next", <${base}?page=2>; rel="last"`);
    const small = await owner.issues.listForRepo({ ...repo, per_page: 10, page: 2 });
    expect(small.headers.link).toContain('rel="prev"');
    expect(small.headers.link).toContain('rel="first"');
    expect(small.headers.link).toContain(`<${base}?per_page=10&page=4>; rel="last"`);
    const all = await owner.paginate(owner.issues.listForRepo, { ...repo, per_page: 100 });
    expect(all).toHaveLength(35);
    const viaPages = await owner.paginate(owner.issues.listForRepo, { ...repo, per_page: 7 });
    expect(new Set(viaPages.map((issue) => issue.number)).size).toBe(35);
  });

  it("answers a repeated list with 304, which is free, logged as conditional and not rate limited", async () => {
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "watched", labels: ["copilot-agent"] });
    const query = { ...repo, labels: "copilot-agent" };
    const first = await owner.issues.listForRepo(query);
    expect(first.headers.etag).toMatch(/^W\/"[0-9a-f]{64}"$/);
    sandbox.admin.clearRequestLog();
    const notModified = await errorOf(owner.issues.listForRepo({ ...query, headers: { "if-none-match": first.headers.etag } }));
    expect(notModified.status).toBe(304);
    expect(notModified.headers["x-ratelimit-remaining"]).toBe(first.headers["x-ratelimit-remaining"]);
    expect(notModified.headers.etag).toBe(first.headers.etag);
    expect(sandbox.admin.requestLog()).toMatchObject([{ route: "GET /repos/{owner}/{repo}/issues", status: 304, conditional: true, rateLimited: false }]);
  });

  it("changes the list ETag when a listed issue's labels, state, body or comments change", async () => {
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "watched" });
    const etag = async () => (await owner.issues.listForRepo({ ...repo, state: "all" })).headers.etag;
    const seen = new Set([await etag()]);
    const changes = [
      () => owner.issues.addLabels({ ...repo, issue_number: issue.number, labels: ["x"] }),
      () => owner.issues.createComment({ ...repo, issue_number: issue.number, body: "hi" }),
      () => owner.issues.update({ ...repo, issue_number: issue.number, body: "new body" }),
      () => owner.issues.update({ ...repo, issue_number: issue.number, state: "closed" }),
    ];
    for (const change of changes) {
      await change();
      seen.add(await etag());
    }
    expect(seen.size).toBe(changes.length + 1);
  });

  it("bumps updated_at through admin.updateIssue so pollers see the change", async () => {
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t", labels: ["a"] });
    const before = (await owner.issues.listForRepo(repo)).headers.etag;
    const updated = sandbox.admin.updateIssue(repo.owner, repo.repo, issue.number, { labels: ["a", "b"], body: "b" });
    expect(updated.labels.map((label) => label.name)).toEqual(["a", "b"]);
    expect((await owner.issues.listForRepo(repo)).headers.etag).not.toBe(before);
  });

  it("drops labels from a user without push access when the issue is opened", async () => {
    const outsider = octokitFor(sandbox, sandbox.tokens.outsider);
    const { data } = await outsider.issues.create({ ...repo, title: "from outside", labels: ["copilot-agent"] });
    expect(data.labels).toEqual([]);
    expect(data.author_association).toBe("NONE");
    const { data: own } = await owner.issues.create({ ...repo, title: "from inside", labels: ["copilot-agent"] });
    expect(own.labels.map((label) => (typeof label === "string" ? label : label.name))).toEqual(["copilot-agent"]);
  });

  it("creates unknown labels when adding them and answers every label of the issue", async () => {
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t", labels: ["bug"] });
    const { data } = await owner.issues.addLabels({ ...repo, issue_number: issue.number, labels: ["processed", "BUG"] });
    expect(data.map((label) => [label.name, label.color, label.default])).toEqual([
      ["bug", "d73a4a", true],
      ["processed", "ededed", false],
    ]);
    const removed = await owner.issues.removeLabel({ ...repo, issue_number: issue.number, name: "Processed" });
    expect(removed.data.map((label) => label.name)).toEqual(["bug"]);
    const missing = await errorOf(owner.issues.removeLabel({ ...repo, issue_number: issue.number, name: "processed" }));
    expect(missing).toMatchObject({ status: 404, data: { message: "Label does not exist" } });
  });

  it("refuses every write with the read-only token, with GitHub's message", async () => {
    const reader = octokitFor(sandbox, sandbox.tokens.readOnly);
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t" });
    const writes = [
      reader.issues.create({ ...repo, title: "x" }),
      reader.issues.update({ ...repo, issue_number: issue.number, title: "x" }),
      reader.issues.createComment({ ...repo, issue_number: issue.number, body: "x" }),
      reader.issues.addLabels({ ...repo, issue_number: issue.number, labels: ["x"] }),
    ];
    for (const write of writes) {
      expect(await errorOf(write)).toMatchObject({ status: 403, data: { message: "Resource not accessible by personal access token" } });
    }
    expect((await reader.issues.get({ ...repo, issue_number: issue.number })).data.title).toBe("t");
  });

  it("hides private repositories from outsiders with 404 and shows them to the read-only user", async () => {
    await sandbox.admin.createRepo({ owner: "acme", name: `${repo.repo}-private`, private: true });
    const outsider = octokitFor(sandbox, sandbox.tokens.outsider);
    const reader = octokitFor(sandbox, sandbox.tokens.readOnly);
    const target = { owner: "acme", repo: `${repo.repo}-private` };
    expect(await errorOf(outsider.issues.listForRepo(target))).toMatchObject({ status: 404, data: { message: "Not Found" } });
    expect(await errorOf(outsider.issues.create({ ...target, title: "x" }))).toMatchObject({ status: 404 });
    expect((await reader.issues.listForRepo(target)).status).toBe(200);
  });

  it("answers missing or bad credentials with 401 Bad credentials", async () => {
    for (const authorization of [undefined, "token ghp_nope", "Bearer ghp_nope", "Negotiate xyz"]) {
      const response = await rawRequest(`${sandbox.apiUrl}/repos/${repo.owner}/${repo.repo}/issues`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(response.json).toEqual({ message: "Bad credentials", documentation_url: "https://docs.github.com/rest/issues/issues#list-repository-issues", status: "401" });
    }
    const bearer = await rawRequest(`${sandbox.apiUrl}/repos/${repo.owner}/${repo.repo}/issues`, { headers: { authorization: `Bearer ${sandbox.tokens.owner}` } });
    expect(bearer.status).toBe(200);
  });

  it("derives author_association from the repository owner and collaborators, unless admin overrides it", async () => {
    const byOwner = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "owner user" });
    const byOrg = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "org", user: "acme" });
    const byCollaborator = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "collaborator", user: "colla" });
    const byStranger = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "stranger", user: "someone" });
    const overridden = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "o", user: "someone", authorAssociation: "CONTRIBUTOR" });
    expect([byOwner, byOrg, byCollaborator, byStranger, overridden].map((issue) => issue.author_association)).toEqual([
      "MEMBER",
      "OWNER",
      "COLLABORATOR",
      "NONE",
      "CONTRIBUTOR",
    ]);
    expect(byStranger.user.login).toBe("someone");
  });

  it("lets the author edit their own comment and not someone else's", async () => {
    const outsider = octokitFor(sandbox, sandbox.tokens.outsider);
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t" });
    const mine = await outsider.issues.createComment({ ...repo, issue_number: issue.number, body: "first" });
    expect(mine.headers.location).toBe(mine.data.url);
    const edited = await outsider.issues.updateComment({ ...repo, comment_id: mine.data.id, body: "second" });
    expect(edited.data.body).toBe("second");
    const theirs = sandbox.admin.createComment(repo.owner, repo.repo, issue.number, { body: "owner's" });
    expect(await errorOf(outsider.issues.updateComment({ ...repo, comment_id: theirs.id, body: "x" }))).toMatchObject({ status: 403 });
    expect(sandbox.admin.listComments(repo.owner, repo.repo, issue.number).map((comment) => comment.body)).toEqual(["second", "owner's"]);
    expect(sandbox.admin.getIssue(repo.owner, repo.repo, issue.number)?.comments).toBe(2);
  });

  it("closes with a state reason, records who closed, and reopens", async () => {
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "t" });
    const closed = await owner.issues.update({ ...repo, issue_number: issue.number, state: "closed", state_reason: "not_planned" });
    expect(closed.data).toMatchObject({ state: "closed", state_reason: "not_planned", closed_by: { login: sandbox.users.owner } });
    expect(closed.data.closed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const reopened = await owner.issues.update({ ...repo, issue_number: issue.number, state: "open" });
    expect(reopened.data).toMatchObject({ state: "open", state_reason: "reopened", closed_at: null, closed_by: null });
  });

  it("sends GitHub's headers on every response", async () => {
    const created = await owner.issues.create({ ...repo, title: "headers" });
    expect(created.headers.location).toBe(`${sandbox.apiUrl}/repos/${repo.owner}/${repo.repo}/issues/${created.data.number}`);
    for (const headers of [created.headers, (await errorOf(owner.issues.get({ ...repo, issue_number: 999 }))).headers]) {
      expect(headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(headers["x-github-request-id"]).toMatch(/^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{6}:[0-9A-F]{8}$/);
      expect(headers["x-ratelimit-limit"]).toBe("5000");
      expect(Number(headers["x-ratelimit-remaining"])).toBeLessThan(5000);
      expect(headers["x-ratelimit-used"]).toBeDefined();
      expect(Number(headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);
      expect(headers["x-ratelimit-resource"]).toBe("core");
    }
    expect(created.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
