import type { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { startSandbox } from "../start-sandbox.js";
import { errorOf, octokitFor } from "../test-support/octokit-for.js";
import type { Sandbox } from "../types.js";

describe("a repository's pull request review comments, listed together", () => {
  let sandbox: Sandbox;
  let owner: Octokit;
  let repoCount = 0;
  let repo: { owner: string; repo: string };
  let pull = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    owner = octokitFor(sandbox);
  });

  beforeEach(async () => {
    repoCount += 1;
    repo = { owner: "acme", repo: `review-comments-${repoCount}` };
    await sandbox.admin.createRepo({ owner: "acme", name: repo.repo, files: { "a.txt": "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n" } });
    await sandbox.admin.commitFiles(repo.owner, repo.repo, { branch: "topic", files: { "a.txt": "1\n2\n3\n4\n5\n6\n7\n8\nnine\n10\n", "b.txt": "new\n" } });
    pull = (await owner.pulls.create({ ...repo, title: "a pull", head: "topic", base: "main" })).data.number;
  });

  afterAll(async () => {
    expect(sandbox.admin.violations()).toEqual([]);
    await sandbox.close();
  });

  const bodies = (comments: Array<{ body?: string }>) => comments.map((c) => c.body);

  it("lists every pull request's review comments by id, each naming its pull request, file, line and place in the diff", async () => {
    const first = sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "rename this", path: "a.txt", line: 9, user: sandbox.users.outsider });
    sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "agreed", inReplyTo: first.id });
    const { data } = await owner.pulls.listReviewCommentsForRepo(repo);
    expect(bodies(data)).toEqual(["rename this", "agreed"]);
    expect(data[0]).toMatchObject({
      path: "a.txt",
      line: 9,
      side: "RIGHT",
      pull_request_url: `${sandbox.apiUrl}/repos/${repo.owner}/${repo.repo}/pulls/${pull}`,
      author_association: "NONE",
      user: { login: sandbox.users.outsider },
    });
    // Six lines below the hunk header: three of context, the removed line, then the added one.
    expect(data[0]?.diff_hunk).toMatch(/^@@ -6,5 \+6,5 @@[^\n]*\n 6\n 7\n 8\n-9\n\+nine$/);
    expect(data[0]?.position).toBe(5);
    expect(data[0]?.html_url).toContain(`/pull/${pull}#discussion_r${first.id}`);
    expect(data[1]).toMatchObject({ in_reply_to_id: first.id, path: "a.txt", line: 9 });
    expect(data[0]?.in_reply_to_id).toBeUndefined();
    expect((await owner.pulls.get({ ...repo, pull_number: pull })).data.review_comments).toBe(2);
  });

  it("keeps comments updated at or after since and sorts by time, newest first when asked", async () => {
    sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "old", path: "b.txt", line: 1 });
    // Times are compared to the second, as GitHub shows them.
    await sleep(1_100);
    const cut = new Date().toISOString();
    sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "new", path: "a.txt", line: 9 });
    sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "newer", path: "a.txt", line: 10 });
    const since = await owner.pulls.listReviewCommentsForRepo({ ...repo, since: cut, sort: "updated", direction: "desc" });
    expect(bodies(since.data)).toEqual(["newer", "new"]);
    const asc = await owner.pulls.listReviewCommentsForRepo({ ...repo, sort: "created_at", direction: "asc" });
    expect(bodies(asc.data)).toEqual(["old", "new", "newer"]);
    const paged = await owner.pulls.listReviewCommentsForRepo({ ...repo, per_page: 2, page: 2 });
    expect(bodies(paged.data)).toEqual(["newer"]);
    expect(paged.headers.link).toContain('rel="prev"');
  });

  it("answers an unchanged listing with 304, free of rate limit, and a new comment with a new ETag", async () => {
    sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "first", path: "b.txt", line: 1 });
    const query = { ...repo, sort: "updated" as const, direction: "desc" as const, since: "2020-01-01T00:00:00Z" };
    const first = await owner.pulls.listReviewCommentsForRepo(query);
    sandbox.admin.clearRequestLog();
    const notModified = await errorOf(owner.pulls.listReviewCommentsForRepo({ ...query, headers: { "if-none-match": first.headers.etag } }));
    expect(notModified.status).toBe(304);
    expect(sandbox.admin.requestLog()).toMatchObject([{ route: "GET /repos/{owner}/{repo}/pulls/comments", status: 304, conditional: true, rateLimited: false }]);
    sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "second", path: "a.txt", line: 9 });
    const changed = await owner.pulls.listReviewCommentsForRepo({ ...query, headers: { "if-none-match": first.headers.etag } });
    expect(bodies(changed.data)).toEqual(["second", "first"]);
  });

  it("refuses an unknown sort or direction with 422, and a comment off the diff as GitHub does", async () => {
    expect((await errorOf(owner.pulls.listReviewCommentsForRepo({ ...repo, sort: "comments" as "updated" }))).status).toBe(422);
    expect((await errorOf(owner.pulls.listReviewCommentsForRepo({ ...repo, sort: "updated", direction: "up" as "asc" }))).status).toBe(422);
    expect(() => sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "x", path: "a.txt", line: 1 })).toThrow("Validation Failed");
    expect(() => sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "x", path: "missing.txt", line: 1 })).toThrow();
    expect(() => sandbox.admin.createReviewComment(repo.owner, repo.repo, pull, { body: "x", inReplyTo: 1 })).toThrow();
    expect(sandbox.admin.listReviewComments(repo.owner, repo.repo, pull)).toEqual([]);
  });
});
