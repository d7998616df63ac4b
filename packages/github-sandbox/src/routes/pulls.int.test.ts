import type { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox } from "../start-sandbox.js";
import { commitFile, gitOk, tempDir, withToken } from "../test-support/git-cli.js";
import { errorOf, octokitFor } from "../test-support/octokit-for.js";
import type { Sandbox } from "../types.js";

describe("the pull requests API", () => {
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
    repo = { owner: "acme", repo: `pulls-${repoCount}` };
    await sandbox.admin.createRepo({ owner: "acme", name: repo.repo });
  });

  afterAll(async () => {
    expect(sandbox.admin.violations()).toEqual([]);
    await sandbox.close();
  });

  const branch = (name: string, file = `${name}.txt`) =>
    sandbox.admin.commitFiles(repo.owner, repo.repo, { branch: name, files: { [file]: `${name}\n` } });

  it("shares the issue number sequence with issues", async () => {
    sandbox.admin.createIssue(repo.owner, repo.repo, { title: "issue" });
    await branch("topic");
    const { data, headers } = await owner.pulls.create({ ...repo, title: "pull", head: "topic", base: "main" });
    expect(data.number).toBe(2);
    expect(headers.location).toBe(data.url);
    expect(sandbox.admin.createIssue(repo.owner, repo.repo, { title: "next" }).number).toBe(3);
    expect((await owner.issues.get({ ...repo, issue_number: 2 })).data.pull_request?.html_url).toBe(data.html_url);
  });

  it("refuses a second open pull request for the same head with GitHub's message", async () => {
    await branch("topic");
    await owner.pulls.create({ ...repo, title: "first", head: "acme:topic", base: "main" });
    const duplicate = await errorOf(owner.pulls.create({ ...repo, title: "again", head: "topic", base: "main" }));
    expect(duplicate.status).toBe(422);
    expect(duplicate.data).toMatchObject({
      message: "Validation Failed",
      errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:topic." }],
    });
  });

  it("lets only one of several racing creates for the same head succeed", async () => {
    await branch("race");
    const attempts = await Promise.allSettled(
      Array.from({ length: 4 }, () => owner.pulls.create({ ...repo, title: "race", head: "acme:race", base: "main" })),
    );
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
    expect(sandbox.admin.listPulls(repo.owner, repo.repo)).toHaveLength(1);
  });

  it("refuses head or base branches that do not exist, and heads from other owners", async () => {
    await branch("topic");
    const noHead = await errorOf(owner.pulls.create({ ...repo, title: "x", head: "nope", base: "main" }));
    expect(noHead).toMatchObject({ status: 422, data: { errors: [{ resource: "PullRequest", field: "head", code: "invalid" }] } });
    const noBase = await errorOf(owner.pulls.create({ ...repo, title: "x", head: "topic", base: "nope" }));
    expect(noBase).toMatchObject({ status: 422, data: { errors: [{ resource: "PullRequest", field: "base", code: "invalid" }] } });
    const fork = await errorOf(owner.pulls.create({ ...repo, title: "x", head: "someone:topic", base: "main" }));
    expect(fork).toMatchObject({ status: 422, data: { errors: [{ field: "head", code: "invalid" }] } });
    const missing = await errorOf(owner.pulls.create({ ...repo, head: "topic", base: "main" }));
    expect(missing).toMatchObject({ status: 422, data: { errors: [{ resource: "PullRequest", code: "missing_field", field: "title" }] } });
  });

  it("refuses a pull request whose head has no commits over the base", async () => {
    await sandbox.admin.createBranch(repo.owner, repo.repo, "same");
    const error = await errorOf(owner.pulls.create({ ...repo, title: "x", head: "same", base: "main" }));
    expect(error).toMatchObject({ status: 422, data: { errors: [{ resource: "PullRequest", code: "custom", message: "No commits between main and same" }] } });
  });

  it("filters by head only in owner:branch form, ignoring a bare branch name like GitHub", async () => {
    await branch("one");
    await branch("two");
    await owner.pulls.create({ ...repo, title: "one", head: "one", base: "main" });
    await owner.pulls.create({ ...repo, title: "two", head: "two", base: "main" });
    const byHead = await owner.pulls.list({ ...repo, head: "acme:one" });
    expect(byHead.data.map((pull) => pull.title)).toEqual(["one"]);
    expect((await owner.pulls.list({ ...repo, head: "one" })).data).toHaveLength(2);
    expect((await owner.pulls.list({ ...repo, head: "other:one" })).data).toHaveLength(0);
    expect((await owner.pulls.list({ ...repo, base: "develop" })).data).toHaveLength(0);
  });

  it("filters by state, so a closed or merged pull request is found with state=all", async () => {
    await branch("closed");
    await branch("merged");
    const closed = await owner.pulls.create({ ...repo, title: "closed", head: "closed", base: "main" });
    const merged = await owner.pulls.create({ ...repo, title: "merged", head: "merged", base: "main" });
    await owner.pulls.update({ ...repo, pull_number: closed.data.number, state: "closed" });
    await sandbox.admin.mergePull(repo.owner, repo.repo, merged.data.number);
    expect((await owner.pulls.list(repo)).data).toEqual([]);
    expect((await owner.pulls.list({ ...repo, state: "closed" })).data.map((pull) => pull.title)).toEqual(["merged", "closed"]);
    const all = await owner.pulls.list({ ...repo, state: "all", head: "acme:merged" });
    expect(all.data[0]?.merged_at).not.toBeNull();
    const full = await owner.pulls.get({ ...repo, pull_number: merged.data.number });
    expect(full.data).toMatchObject({ state: "closed", merged: true, merged_by: { login: sandbox.users.owner } });
  });

  it("reports the head sha of the latest push, read from git", async () => {
    const repoInfo = sandbox.admin.getRepo(repo.owner, repo.repo);
    const dir = await tempDir();
    try {
      await gitOk(dir.path, "clone", withToken(repoInfo?.clone_url ?? "", sandbox.tokens.owner), "work");
      const work = `${dir.path}/work`;
      const first = await commitFile(work, "topic", "a.txt", "a\n");
      await gitOk(work, "push", "origin", "topic");
      const created = await owner.pulls.create({ ...repo, title: "t", head: "topic", base: "main" });
      expect(created.data.head).toMatchObject({ ref: "topic", sha: first, label: "acme:topic" });
      expect(created.data.commits).toBe(1);
      const second = await commitFile(work, "topic", "b.txt", "b\nc\n");
      await gitOk(work, "push", "origin", "topic");
      const fetched = await owner.pulls.get({ ...repo, pull_number: created.data.number });
      expect(fetched.data.head.sha).toBe(second);
      expect(fetched.data).toMatchObject({ commits: 2, additions: 3, deletions: 0, changed_files: 2, mergeable: true });
      expect((await owner.pulls.list(repo)).data[0]?.head.sha).toBe(second);
      expect(sandbox.admin.listPulls(repo.owner, repo.repo)[0]?.head.sha).toBe(second);
    } finally {
      await dir.remove();
    }
  });

  it("closes and reopens with PATCH, refusing to reopen while another pull request is open for the head", async () => {
    await branch("topic");
    const first = await owner.pulls.create({ ...repo, title: "first", head: "topic", base: "main" });
    await owner.pulls.update({ ...repo, pull_number: first.data.number, state: "closed" });
    const second = await owner.pulls.create({ ...repo, title: "second", head: "topic", base: "main" });
    const reopen = await errorOf(owner.pulls.update({ ...repo, pull_number: first.data.number, state: "open" }));
    expect(reopen.status).toBe(422);
    sandbox.admin.closePull(repo.owner, repo.repo, second.data.number);
    const reopened = await owner.pulls.update({ ...repo, pull_number: first.data.number, state: "open", title: "first again", body: "b" });
    expect(reopened.data).toMatchObject({ state: "open", title: "first again", body: "b", closed_at: null, merged: false });
  });

  it("merges with a fast-forward when possible and a merge commit otherwise", async () => {
    await branch("ff");
    await branch("diverged", "other.txt");
    const ff = await owner.pulls.create({ ...repo, title: "ff", head: "ff", base: "main" });
    const diverged = await owner.pulls.create({ ...repo, title: "diverged", head: "diverged", base: "main" });
    await sandbox.admin.mergePull(repo.owner, repo.repo, ff.data.number);
    const branches = Object.fromEntries((await sandbox.admin.listBranches(repo.owner, repo.repo)).map((b) => [b.name, b.sha]));
    expect(branches["main"]).toBe(branches["ff"]);
    await sandbox.admin.mergePull(repo.owner, repo.repo, diverged.data.number);
    const merged = sandbox.admin.getPull(repo.owner, repo.repo, diverged.data.number);
    expect(merged).toMatchObject({ state: "closed", merged: true });
    expect(await sandbox.admin.commitCount(repo.owner, repo.repo, "main")).toBe(4);
    expect(await sandbox.admin.readFile(repo.owner, repo.repo, "main", "other.txt")).toBe("diverged\n");
    expect(merged?.merge_commit_sha).toBe((await sandbox.admin.listBranches(repo.owner, repo.repo)).find((b) => b.name === "main")?.sha);
  });
});
