import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import NodeGit from "nodegit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { classifyError, GitRemoteError } from "@agent-runner/core";
import type { Sandbox } from "@agent-runner/github-sandbox";
import { runRemoteOperation } from "./nodegit-remote-operation.js";
import { NodegitWorkspaceFactory } from "./nodegit-workspace-factory.js";
import { remoteForUrl } from "./remote-by-url.js";
import { AttackerServer, RedirectingFront } from "./test-support/attacker-server.js";
import { useGitTestFixture } from "./test-support/git-test-fixture.js";

const AUTHOR = { name: "Agent Runner", email: "agent@example.test" };
/** Handed to unprotected libgit2 in the control runs: what the attacker would get. */
const BAIT_TOKEN = "ghp_baitTOKEN0000000000000000";
/** libgit2's default when neither the options nor the config say otherwise (git2/remote.h). */
const REDIRECT_INITIAL = 2;

const { fixture, tempDir, createRepo, checkout, serverBranches } = useGitTestFixture("origin");
let sandbox: Sandbox;
const servers: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  sandbox = fixture.sandbox;
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startAttacker(): Promise<AttackerServer> {
  const attacker = await AttackerServer.start();
  servers.push(attacker);
  return attacker;
}

/** A front for the sandbox that redirects the requests `redirect` picks to the attacker under another host name. */
async function startFront(attacker: AttackerServer, redirect: (url: string) => boolean): Promise<RedirectingFront> {
  const front = await RedirectingFront.start({ target: sandbox.gitUrl, redirectTo: `http://localhost:${attacker.port}`, redirect });
  servers.push(front);
  return front;
}

async function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

/** The callbacks unprotected code would pass: the token for whoever asks. */
const naiveCallbacks = { credentials: () => NodeGit.Credential.userpassPlaintextNew("x-access-token", BAIT_TOKEN) };

describe("credentials for another origin", () => {
  it("are refused with a permanent error naming that origin, and its server receives no token", async () => {
    const attacker = await startAttacker();
    const repo = await createRepo();
    const bare = await NodeGit.Repository.init(await tempDir("bare"), 1);
    const remote = await remoteForUrl(bare, `${attacker.url}/acme/stolen.git`);

    const error = await catchError(
      runRemoteOperation({ token: sandbox.tokens.owner, cloneUrl: repo.cloneUrl, operation: "fetch" }, (callbacks) =>
        remote.fetch(["+refs/heads/*:refs/heads/*"], { callbacks }, "test"),
      ),
    );
    await bare.cleanup();

    expect(attacker.requests.length).toBeGreaterThan(0);
    expect(attacker.credentialed).toEqual([]);
    expect(error).toBeInstanceOf(GitRemoteError);
    expect(classifyError(error)).toMatchObject({ kind: "permanent" });
    expect((error as Error).message).toContain(`credentials were requested for ${attacker.url}`);
    expect((error as Error).message).not.toContain(sandbox.tokens.owner);
  });
});

describe("a server that redirects to another host", () => {
  it("gets no token when it redirects the clone, with or without a mirror cache", async () => {
    const attacker = await startAttacker();
    const repo = await createRepo();
    const front = await startFront(attacker, () => true);
    const cloneUrl = repo.cloneUrl.replace(sandbox.gitUrl, `${front.url}/git`);
    // Control: libgit2 as it comes follows the redirect and hands the attacker the token.
    await catchError(NodeGit.Clone(cloneUrl, join(await tempDir("control"), "t"), { fetchOpts: { callbacks: naiveCallbacks } }));
    expect(attacker.credentialed.map((r) => r.authorization)).toContain(`Basic ${Buffer.from(`x-access-token:${BAIT_TOKEN}`).toString("base64")}`);
    const afterControl = attacker.requests.length;

    for (const cacheDir of [undefined, await tempDir("cache")]) {
      const factory = new NodegitWorkspaceFactory({ token: sandbox.tokens.owner, cacheDir });
      const parent = await tempDir("ws");
      const error = await catchError(factory.checkout({ cloneUrl, defaultBranch: "main", dir: join(parent, "t") }));

      expect(error).toMatchObject({ name: "GitRemoteError", message: expect.stringMatching(/cannot redirect/) });
    }
    expect(front.redirected.length).toBeGreaterThan(1);
    expect(attacker.requests).toHaveLength(afterControl);
  });

  it("gets no token when it redirects the push, and the branch is not pushed", async () => {
    const attacker = await startAttacker();
    const repo = await createRepo();
    const front = await startFront(attacker, (url) => url.includes("git-receive-pack"));
    const cloneUrl = repo.cloneUrl.replace(sandbox.gitUrl, `${front.url}/git`);
    const workspace = await checkout(new NodegitWorkspaceFactory({ token: sandbox.tokens.owner }), cloneUrl);
    await workspace.checkoutNewBranch("agent-task-redirected", "main");
    await writeFile(join(workspace.dir, "change.txt"), "change\n");
    await workspace.commitAll("change", AUTHOR);
    // Control: a push with libgit2's default (follow the first request's redirect) hands the attacker the token.
    const control = await NodeGit.Repository.open(workspace.dir);
    const controlRemote = await NodeGit.Remote.createAnonymous(control, cloneUrl);
    await catchError(
      controlRemote.push(["refs/heads/agent-task-redirected:refs/heads/control"], {
        callbacks: naiveCallbacks,
        followRedirects: REDIRECT_INITIAL,
      }),
    );
    await control.cleanup();
    expect(attacker.credentialed).not.toEqual([]);
    const afterControl = attacker.requests.length;

    const error = await catchError(workspace.push("agent-task-redirected"));

    expect(error).toMatchObject({ name: "GitRemoteError", message: expect.stringMatching(/cannot redirect/) });
    expect(classifyError(error)).toMatchObject({ kind: "permanent" });
    expect(attacker.requests).toHaveLength(afterControl);
    expect((await serverBranches(repo.name)).has("agent-task-redirected")).toBe(false);
  });
});
