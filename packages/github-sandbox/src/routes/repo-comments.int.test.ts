import type { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { startSandbox } from "../start-sandbox.js";
import { errorOf, octokitFor } from "../test-support/octokit-for.js";
import type { Sandbox } from "../types.js";

describe("a repository's issue comments, listed together", () => {
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
    repo = { owner: "acme", repo: `comments-${repoCount}` };
    await sandbox.admin.createRepo({ owner: "acme", name: repo.repo });
  });

  afterAll(async () => {
    expect(sandbox.admin.violations()).toEqual([]);
    await sandbox.close();
  });

  const bodies = (comments: Array<{ body?: string }>) => comments.map((c) => c.body);

  it("lists the comments of every issue and pull request, oldest first by default, each naming its issue", async () => {
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "an issue" });
    await sandbox.admin.commitFiles(repo.owner, repo.repo, { branch: "topic", files: { "a.txt": "a" } });
    const pull = await owner.pulls.create({ ...repo, title: "a pull", head: "topic", base: "main" });
    sandbox.admin.createComment(repo.owner, repo.repo, issue.number, { body: "on the issue" });
    sandbox.admin.createComment(repo.owner, repo.repo, pull.data.number, { body: "on the pull" });
    const { data } = await owner.issues.listCommentsForRepo(repo);
    expect(bodies(data)).toEqual(["on the issue", "on the pull"]);
    expect(data[1]?.issue_url).toBe(`${sandbox.apiUrl}/repos/${repo.owner}/${repo.repo}/issues/${pull.data.number}`);
    expect(data[1]?.html_url).toContain(`/pull/${pull.data.number}#issuecomment-`);
  });

  it("keeps comments updated at or after since and sorts by updated time, newest first when asked", async () => {
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "an issue" });
    const old = sandbox.admin.createComment(repo.owner, repo.repo, issue.number, { body: "old" });
    // Times are compared to the second, as GitHub shows them.
    await sleep(1_100);
    const cut = new Date().toISOString();
    sandbox.admin.createComment(repo.owner, repo.repo, issue.number, { body: "new" });
    await owner.issues.updateComment({ ...repo, comment_id: old.id, body: "old, edited" });
    const since = await owner.issues.listCommentsForRepo({ ...repo, since: cut, sort: "updated", direction: "desc" });
    expect(bodies(since.data)).toEqual(["old, edited", "new"]);
    const created = await owner.issues.listCommentsForRepo({ ...repo, sort: "created", direction: "asc" });
    expect(bodies(created.data)).toEqual(["old, edited", "new"]);
  });

  it("answers an unchanged listing with 304, free of rate limit, and a new comment with a new ETag", async () => {
    const issue = sandbox.admin.createIssue(repo.owner, repo.repo, { title: "an issue" });
    sandbox.admin.createComment(repo.owner, repo.repo, issue.number, { body: "first" });
    const query = { ...repo, sort: "updated" as const, direction: "desc" as const, since: "2020-01-01T00:00:00Z" };
    const first = await owner.issues.listCommentsForRepo(query);
    sandbox.admin.clearRequestLog();
    const notModified = await errorOf(owner.issues.listCommentsForRepo({ ...query, headers: { "if-none-match": first.headers.etag } }));
    expect(notModified.status).toBe(304);
    expect(sandbox.admin.requestLog()).toMatchObject([{ route: "GET /repos/{owner}/{repo}/issues/comments", status: 304, conditional: true, rateLimited: false }]);
    sandbox.admin.createComment(repo.owner, repo.repo, issue.number, { body: "second" });
    const changed = await owner.issues.listCommentsForRepo({ ...query, headers: { "if-none-match": first.headers.etag } });
    expect(changed.status).toBe(200);
    expect(bodies(changed.data)).toEqual(["second", "first"]);
  });

  it("refuses an unknown sort or direction with 422", async () => {
    expect((await errorOf(owner.issues.listCommentsForRepo({ ...repo, sort: "comments" as "updated" }))).status).toBe(422);
    expect((await errorOf(owner.issues.listCommentsForRepo({ ...repo, sort: "updated", direction: "up" as "asc" }))).status).toBe(422);
  });
});
