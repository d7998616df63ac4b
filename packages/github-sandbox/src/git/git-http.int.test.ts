import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox } from "../start-sandbox.js";
import { commitFile, git, gitOk, tempDir, withToken } from "../test-support/git-cli.js";
import { rawRequest } from "../test-support/raw-request.js";
import type { RepoInfo, Sandbox } from "../types.js";

describe("git smart HTTP", () => {
  let sandbox: Sandbox;
  let dir: { path: string; remove(): Promise<void> };
  let repo: RepoInfo;
  let repoCount = 0;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  beforeEach(async () => {
    repoCount += 1;
    repo = await sandbox.admin.createRepo({ owner: "acme", name: `git-${repoCount}`, files: { "README.md": "# hi\n" } });
    dir = await tempDir();
  });

  afterEach(async () => {
    sandbox.admin.clearFaults();
    await dir.remove();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  const cloneAs = async (token: string, name = "work") => {
    await gitOk(dir.path, "clone", withToken(repo.clone_url, token), name);
    return join(dir.path, name);
  };
  const remoteSha = async (branch: string) =>
    (await sandbox.admin.listBranches("acme", repo.name)).find((candidate) => candidate.name === branch)?.sha;

  it("clones with the token as Basic password and pushes a new branch", async () => {
    const work = await cloneAs(sandbox.tokens.owner);
    expect(await gitOk(work, "log", "--format=%s")).toBe("Initial commit");
    const sha = await commitFile(work, "topic", "new.txt", "new\n");
    await gitOk(work, "push", "origin", "topic");
    expect(await remoteSha("topic")).toBe(sha);
    expect(await sandbox.admin.readFile("acme", repo.name, "topic", "new.txt")).toBe("new\n");
    const kinds = sandbox.admin.requestLog().filter((entry) => entry.kind === "git");
    expect(kinds.map((entry) => `${entry.route} ${entry.status}`)).toContain("POST /git/{owner}/{repo}.git/git-receive-pack 200");
    expect(kinds.find((entry) => entry.status === 200)?.user).toBe(sandbox.users.owner);
  });

  it("accepts any username, as GitHub does with tokens", async () => {
    await gitOk(dir.path, "clone", withToken(repo.clone_url, sandbox.tokens.owner, "anything"), "work");
  });

  it("asks for credentials with 401 and WWW-Authenticate, and refuses a bad token", async () => {
    const anonymous = await rawRequest(`${repo.clone_url}/info/refs?service=git-upload-pack`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="GitHub"');
    const failed = await git(dir.path, "clone", withToken(repo.clone_url, "ghp_wrong"), "work");
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/Authentication failed|401/);
  });

  it("lets the read-only token clone but refuses its push with 403", async () => {
    const work = await cloneAs(sandbox.tokens.readOnly);
    await commitFile(work, "topic", "x.txt", "x\n");
    const push = await git(work, "push", "origin", "topic");
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain("403");
    expect(await remoteSha("topic")).toBeUndefined();
    const basic = `Basic ${Buffer.from(`x-access-token:${sandbox.tokens.readOnly}`).toString("base64")}`;
    const advertisement = await rawRequest(`${repo.clone_url}/info/refs?service=git-receive-pack`, { headers: { authorization: basic } });
    expect(advertisement.status).toBe(403);
    const rpc = await rawRequest(`${repo.clone_url}/git-receive-pack`, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/x-git-receive-pack-request" },
      body: "0000",
    });
    expect(rpc.status).toBe(403);
  });

  it("hides a private repository from an outsider and refuses an outsider's push to a public one", async () => {
    const hidden = await sandbox.admin.createRepo({ owner: "acme", name: `git-${repoCount}-private`, private: true });
    const clone = await git(dir.path, "clone", withToken(hidden.clone_url, sandbox.tokens.outsider), "hidden");
    expect(clone.stderr).toMatch(/not found|404/);
    const work = await cloneAs(sandbox.tokens.outsider);
    await commitFile(work, "topic", "x.txt", "x\n");
    const push = await git(work, "push", "origin", "topic");
    expect(push.stderr).toContain(`Permission to acme/${repo.name}.git denied to ${sandbox.users.outsider}`);
  });

  it("speaks protocol v2 and v0", async () => {
    const url = withToken(repo.clone_url, sandbox.tokens.owner);
    for (const version of ["2", "0"]) {
      const refs = await gitOk(dir.path, "-c", `protocol.version=${version}`, "ls-remote", url);
      expect(refs).toMatch(/^[0-9a-f]{40}\tHEAD/m);
    }
  });

  it("takes a pack larger than git's post buffer (chunked upload)", async () => {
    const work = await cloneAs(sandbox.tokens.owner);
    await gitOk(work, "checkout", "-b", "big");
    await writeFile(join(work, "big.bin"), randomBytes(1_500_000));
    await gitOk(work, "add", "big.bin");
    await gitOk(work, "commit", "-m", "big");
    await gitOk(work, "-c", "http.postBuffer=65536", "push", "origin", "big");
    expect(await remoteSha("big")).toBe(await gitOk(work, "rev-parse", "HEAD"));
  });

  it("passes gzip-encoded request bodies to git http-backend", async () => {
    const head = (await sandbox.admin.listBranches("acme", repo.name))[0]?.sha ?? "";
    const request = `0032want ${head}\n00000009done\n`;
    const response = await fetch(`${repo.clone_url}/git-upload-pack`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`x:${sandbox.tokens.owner}`).toString("base64")}`,
        "content-type": "application/x-git-upload-pack-request",
        "content-encoding": "gzip",
      },
      body: gzipSync(request),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-git-upload-pack-result");
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.subarray(0, 8).toString()).toBe("0008NAK\n");
    expect(body.subarray(8, 12).toString()).toBe("PACK");
  });

  it("fails the next push with an injected status, leaving the branch untouched", async () => {
    const work = await cloneAs(sandbox.tokens.owner);
    const sha = await commitFile(work, "topic", "x.txt", "x\n");
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", status: 500 });
    const failed = await git(work, "push", "origin", "topic");
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("500");
    expect(await remoteSha("topic")).toBeUndefined();
    await gitOk(work, "push", "origin", "topic");
    expect(await remoteSha("topic")).toBe(sha);
  });

  it("can refuse the push advertisement", async () => {
    const work = await cloneAs(sandbox.tokens.owner);
    await commitFile(work, "topic", "x.txt", "x\n");
    sandbox.admin.injectFault({ route: "GET /git/{owner}/{repo}.git/info/refs?service=git-receive-pack", status: 403 });
    const failed = await git(work, "push", "origin", "topic");
    expect(failed.stderr).toContain("403");
    expect(await remoteSha("topic")).toBeUndefined();
  });

  it("performs the push before answering an afterAction fault (a lost response)", async () => {
    const work = await cloneAs(sandbox.tokens.owner);
    const sha = await commitFile(work, "topic", "x.txt", "x\n");
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", status: 502, afterAction: true });
    const failed = await git(work, "push", "origin", "topic");
    expect(failed.code).not.toBe(0);
    expect(await remoteSha("topic")).toBe(sha);
  });

  // curl resends a request once when a reused connection dies, so a drop must hit twice to fail a push.
  it("drops the connection on a drop fault, before or after the push", async () => {
    const work = await cloneAs(sandbox.tokens.owner);
    const sha = await commitFile(work, "topic", "x.txt", "x\n");
    sandbox.admin.clearRequestLog();
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", drop: true, count: 2 });
    expect((await git(work, "push", "origin", "topic")).code).not.toBe(0);
    expect(await remoteSha("topic")).toBeUndefined();
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", drop: true, afterAction: true, count: 2 });
    expect((await git(work, "push", "origin", "topic")).code).not.toBe(0);
    expect(await remoteSha("topic")).toBe(sha);
    expect(sandbox.admin.requestLog().filter((entry) => entry.fault === "drop").map((entry) => entry.status)).toEqual([0, 0, 0, 0]);
  });

  it("fails a clone with a fault on upload-pack", async () => {
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-upload-pack", status: 503 });
    const failed = await git(dir.path, "clone", withToken(repo.clone_url, sandbox.tokens.owner), "work");
    expect(failed.code).not.toBe(0);
  });

  it("serves only the smart protocol", async () => {
    const basic = `Basic ${Buffer.from(`x:${sandbox.tokens.owner}`).toString("base64")}`;
    expect((await rawRequest(`${repo.clone_url}/HEAD`, { headers: { authorization: basic } })).status).toBe(404);
    expect((await rawRequest(`${repo.clone_url}/info/refs`, { headers: { authorization: basic } })).status).toBe(404);
  });
});
