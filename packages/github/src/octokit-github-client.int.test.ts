import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { GitHubApiError } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { OctokitGitHubClient } from "./octokit-github-client.js";

describe("the Octokit adapter against the sandbox", () => {
  let sandbox: Sandbox;
  const silent = pino({ level: "silent" });
  const client = (token: string) => new OctokitGitHubClient({ token, baseUrl: sandbox.apiUrl, logger: silent, retryBaseMs: 1 });

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    await sandbox.admin.createRepo({ owner: "acme", name: "target", files: { "README.md": "# target\n" } });
    await sandbox.admin.createRepo({ owner: "acme", name: "secret", private: true });
    await sandbox.admin.createBranch("acme", "target", "agent-task-one");
    await sandbox.admin.commitFiles("acme", "target", { branch: "agent-task-one", files: { "a.txt": "a\n" } });
  });

  afterAll(async () => {
    expect(sandbox.admin.violations()).toEqual([]);
    await sandbox.close();
  });

  it("learns the login its token acts as", async () => {
    expect(await client(sandbox.tokens.owner).getAuthenticatedLogin()).toBe(sandbox.users.owner);
    expect(await client(sandbox.tokens.outsider).getAuthenticatedLogin()).toBe(sandbox.users.outsider);
  });

  it("answers a repository as found, and a missing or invisible one as not found", async () => {
    const owner = client(sandbox.tokens.owner);
    expect(await owner.getRepo({ owner: "acme", repo: "target" })).toMatchObject({ kind: "found", repo: { defaultBranch: "main" } });
    expect(await owner.getRepo({ owner: "acme", repo: "nope" })).toEqual({ kind: "not_found" });
    expect(await client(sandbox.tokens.outsider).getRepo({ owner: "acme", repo: "secret" })).toEqual({ kind: "not_found" });
  });

  it("opens a PR authored by its login, and answers a second create for the same head as already existing", async () => {
    const owner = client(sandbox.tokens.owner);
    const input = { title: "One", body: "body", head: "agent-task-one", base: "main" };
    const created = await owner.createPull({ owner: "acme", repo: "target" }, input);
    expect(created).toMatchObject({ kind: "created", pull: { headRef: "agent-task-one", authorLogin: sandbox.users.owner } });
    expect(await owner.createPull({ owner: "acme", repo: "target" }, input)).toEqual({ kind: "already_exists" });
    const [found] = await owner.findPullsByHead({ owner: "acme", repo: "target" }, "acme", "agent-task-one");
    expect(found?.authorLogin).toBe(sandbox.users.owner);
  });

  it("still throws the other refusals of a create", async () => {
    const input = { title: "x", body: "x", head: "no-such-branch", base: "main" };
    await expect(client(sandbox.tokens.owner).createPull({ owner: "acme", repo: "target" }, input)).rejects.toBeInstanceOf(GitHubApiError);
  });

  it("lists review comments on PRs' diffs conditionally, newest first, each with its PR, file and line", async () => {
    const repo = { owner: "acme", repo: "reviewed" };
    await sandbox.admin.createRepo({ owner: "acme", name: "reviewed", files: { "a.txt": "1\n2\n" } });
    await sandbox.admin.commitFiles("acme", "reviewed", { branch: "topic", files: { "a.txt": "1\ntwo\n" } });
    const owner = client(sandbox.tokens.owner);
    const created = await owner.createPull(repo, { title: "t", body: "b", head: "topic", base: "main" });
    const pull = created.kind === "created" ? created.pull.number : 0;
    const first = sandbox.admin.createReviewComment("acme", "reviewed", pull, { body: "/agent rename", path: "a.txt", line: 2, user: sandbox.users.outsider });
    sandbox.admin.createReviewComment("acme", "reviewed", pull, { body: "+1", inReplyTo: first.id });
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const listed = await owner.listRepoReviewComments(repo, { since });
    if (listed.status !== "modified") throw new Error("expected a listing");
    expect(listed.comments.map((c) => [c.body, c.pullNumber, c.path, c.line, c.authorLogin, c.authorAssociation])).toEqual([
      ["+1", pull, "a.txt", 2, sandbox.users.owner, "MEMBER"],
      ["/agent rename", pull, "a.txt", 2, sandbox.users.outsider, "NONE"],
    ]);
    expect(listed.comments[1]?.htmlUrl).toContain(`#discussion_r${first.id}`);
    expect(await owner.listRepoReviewComments(repo, { since, etag: listed.etag })).toEqual({ status: "not_modified" });
    const query = sandbox.admin.requestLog().filter((e) => e.route === "GET /repos/{owner}/{repo}/pulls/comments").at(-1);
    expect(query).toMatchObject({ status: 304, rateLimited: false });
    expect(query?.query).toContain("sort=updated");
  });

  it("lists labelled issues conditionally, and only those updated since a time when asked", async () => {
    const dispatch = { owner: "acme", repo: "dispatch" };
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    for (let i = 0; i < 3; i++) sandbox.admin.createIssue("acme", "dispatch", { title: `t${i}`, labels: ["copilot-agent"] });
    sandbox.admin.createIssue("acme", "dispatch", { title: "unlabelled" });
    const owner = client(sandbox.tokens.owner);
    const all = await owner.listOpenIssuesWithLabel(dispatch, "copilot-agent");
    expect(all.status === "modified" ? all.issues.map((i) => i.title).sort() : []).toEqual(["t0", "t1", "t2"]);
    const etag = all.status === "modified" ? all.etag : undefined;
    expect(await owner.listOpenIssuesWithLabel(dispatch, "copilot-agent", { etag })).toEqual({ status: "not_modified" });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await owner.listOpenIssuesWithLabel(dispatch, "copilot-agent", { since: future, etag })).toMatchObject({ status: "modified", issues: [] });
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const since = await owner.listOpenIssuesWithLabel(dispatch, "copilot-agent", { since: past });
    expect(since.status === "modified" ? since.issues : []).toHaveLength(3);
    const query = sandbox.admin.requestLog().filter((e) => e.route === "GET /repos/{owner}/{repo}/issues").at(-1);
    expect(query?.query).toContain(`since=${encodeURIComponent(past)}`);
  });

  it("lists branches by prefix conditionally, and deletes one, answering an already deleted one as not found", async () => {
    const repo = { owner: "acme", repo: "target" };
    await sandbox.admin.createBranch("acme", "target", "agent-task-two");
    const owner = client(sandbox.tokens.owner);
    const listing = await owner.listBranchesWithPrefix(repo, "agent-task-");
    expect(listing.status === "modified" ? listing.branches.map((b) => b.name) : []).toEqual(["agent-task-one", "agent-task-two"]);
    const etag = listing.status === "modified" ? listing.etag : undefined;
    expect(await owner.listBranchesWithPrefix(repo, "agent-task-", { etag })).toEqual({ status: "not_modified" });
    expect(await owner.deleteBranch(repo, "agent-task-two")).toBe("deleted");
    expect(await owner.deleteBranch(repo, "agent-task-two")).toBe("not_found");
    expect(await owner.listBranchesWithPrefix(repo, "agent-task-", { etag })).toMatchObject({ status: "modified" });
  });
});
