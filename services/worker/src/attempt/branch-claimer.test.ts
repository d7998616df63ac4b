import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BranchConflictError, type GitWorkspace, type PullRequest } from "@agent-runner/core";
import { FakeGitHubClient, FakeGitWorkspaceFactory, FakeRemote, MemoryPushLedger } from "@agent-runner/core/testing";
import { correlationComment } from "@agent-runner/core";
import { BranchClaimer, judgeBranch, type BranchEvidence } from "./branch-claimer.js";
import { RunnerIdentity } from "@agent-runner/core";

const runner = new RunnerIdentity("agent-runner-bot");
const TARGET = { owner: "acme", repo: "target" };

function pull(overrides: Partial<PullRequest> = {}): PullRequest {
  return {
    number: 7,
    htmlUrl: "https://github.example/acme/target/pull/7",
    state: "open",
    merged: false,
    title: "Agent task",
    body: correlationComment("task-1"),
    headRef: "agent-task-task-1",
    headSha: "0".repeat(40),
    authorLogin: "agent-runner-bot",
    ...overrides,
  };
}

function evidence(overrides: Partial<BranchEvidence> = {}): BranchEvidence {
  return { taskId: "task-1", runner, branchExists: false, tipRecorded: false, pulls: [], ...overrides };
}

describe("judgeBranch", () => {
  it("calls a branch free when neither it nor a PR from it exists", () => {
    expect(judgeBranch(evidence())).toEqual({ kind: "free" });
  });

  it("claims a branch with a PR the runner opened for this task", () => {
    const own = pull();
    expect(judgeBranch(evidence({ branchExists: true, pulls: [own] }))).toEqual({ kind: "ours", pull: own });
  });

  it("matches the runner's login case-insensitively, as GitHub does", () => {
    const own = pull({ authorLogin: "Agent-Runner-Bot" });
    expect(judgeBranch(evidence({ branchExists: true, pulls: [own] }))).toEqual({ kind: "ours", pull: own });
  });

  it("leaves alone a PR someone else opened, even when its body names this task", () => {
    const forged = pull({ authorLogin: "mallory" });
    const verdict = judgeBranch(evidence({ branchExists: true, tipRecorded: true, pulls: [forged] }));
    expect(verdict).toEqual({ kind: "taken", why: "pull request #7 was not opened by the runner" });
  });

  it("leaves alone a PR of a deleted account", () => {
    expect(judgeBranch(evidence({ branchExists: true, pulls: [pull({ authorLogin: undefined })] })).kind).toBe("taken");
  });

  it("leaves alone a PR the runner opened for another task", () => {
    const other = pull({ body: correlationComment("task-2") });
    expect(judgeBranch(evidence({ branchExists: true, pulls: [other] }))).toEqual({
      kind: "taken",
      why: "pull request #7 belongs to another task",
    });
  });

  it("prefers its open PR to a foreign one on the same branch", () => {
    const own = pull({ number: 9 });
    const verdict = judgeBranch(evidence({ branchExists: true, pulls: [pull({ authorLogin: "mallory" }), own] }));
    expect(verdict).toEqual({ kind: "ours", pull: own });
  });

  it("prefers an open PR, then a merged one, then the newest", () => {
    const closed = pull({ number: 3, state: "closed" });
    const merged = pull({ number: 2, state: "closed", merged: true });
    const open = pull({ number: 1 });
    expect(judgeBranch(evidence({ pulls: [closed, merged, open] }))).toEqual({ kind: "ours", pull: open });
    expect(judgeBranch(evidence({ pulls: [closed, merged] }))).toEqual({ kind: "ours", pull: merged });
    expect(judgeBranch(evidence({ pulls: [pull({ number: 1, state: "closed" }), closed] }))).toEqual({ kind: "ours", pull: closed });
  });

  it("adopts a branch without a PR only when the runner recorded pushing its tip", () => {
    expect(judgeBranch(evidence({ branchExists: true, tipRecorded: true }))).toEqual({ kind: "ours", pull: undefined });
    expect(judgeBranch(evidence({ branchExists: true, tipRecorded: false }))).toEqual({
      kind: "taken",
      why: "the branch exists and its tip is no commit the runner pushed for this task",
    });
  });
});

describe("BranchClaimer", () => {
  let dir: string;
  let github: FakeGitHubClient;
  let remote: FakeRemote;
  let pushes: MemoryPushLedger;
  let factory: FakeGitWorkspaceFactory;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "branch-claimer-"));
    github = new FakeGitHubClient("agent-runner-bot");
    const info = github.addRepo("acme/target");
    remote = new FakeRemote("main");
    factory = new FakeGitWorkspaceFactory(new Map([[info.cloneUrl, remote]]));
    pushes = new MemoryPushLedger();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function checkout(): Promise<GitWorkspace> {
    return factory.checkout({ cloneUrl: "https://git.example/acme/target.git", defaultBranch: "main", dir: path.join(dir, "tree") });
  }

  /** A branch someone pushed, with a commit message of their choosing. */
  function pushBranch(branch: string, message: string): string {
    const main = remote.branches.get("main");
    const tip = remote.commit(message, new Map([["x.txt", "x"]]), main);
    remote.branches.set(branch, tip);
    return tip.sha;
  }

  function claimer(taskId = "forged-task-1"): BranchClaimer {
    return new BranchClaimer(github, pushes, runner, TARGET, taskId);
  }

  it("takes the 8-character branch when it is free, without a PR look-up on a first attempt", async () => {
    const claim = await claimer().claim(await checkout(), false);
    expect(claim).toEqual({ prefix: "forged-t", branch: "agent-task-forged-t", branchExists: false, pull: undefined });
    expect(github.calls).toEqual([]);
  });

  it("moves to a longer prefix past a branch whose commit forges this task's Task-Id trailer", async () => {
    pushBranch("agent-task-forged-t", "Process agent task from dispatch issue #1\n\nTask-Id: forged-task-1\n");
    const claim = await claimer().claim(await checkout(), false);
    expect(claim.branch).toBe("agent-task-forged-task-");
    expect(claim.branchExists).toBe(false);
  });

  it("adopts a branch whose tip the runner recorded pushing for this task", async () => {
    const sha = pushBranch("agent-task-forged-t", "anything");
    await pushes.record({ taskId: "forged-task-1", repo: TARGET, branch: "agent-task-forged-t", sha });
    const claim = await claimer().claim(await checkout(), true);
    expect(claim).toEqual({ prefix: "forged-t", branch: "agent-task-forged-t", branchExists: true, pull: undefined });
  });

  it("does not adopt a branch whose recorded commit another task pushed", async () => {
    const sha = pushBranch("agent-task-forged-t", "anything");
    await pushes.record({ taskId: "forged-task-2", repo: TARGET, branch: "agent-task-forged-t", sha });
    expect((await claimer().claim(await checkout(), true)).branch).toBe("agent-task-forged-task-");
  });

  it("does not adopt its branch once someone else pushed on top of the recorded tip", async () => {
    const sha = pushBranch("agent-task-forged-t", "ours");
    await pushes.record({ taskId: "forged-task-1", repo: TARGET, branch: "agent-task-forged-t", sha });
    const ours = remote.branches.get("agent-task-forged-t");
    remote.branches.set("agent-task-forged-t", remote.commit("on top", new Map(), ours));
    expect((await claimer().claim(await checkout(), true)).branch).toBe("agent-task-forged-task-");
  });

  it("ignores a PR someone else opened from the branch with this task's correlation comment", async () => {
    pushBranch("agent-task-forged-t", "Task-Id: forged-task-1");
    await github.actingAs("mallory", (as) =>
      as.createPull(TARGET, { title: "x", body: correlationComment("forged-task-1"), head: "agent-task-forged-t", base: "main" }),
    );
    expect((await claimer().claim(await checkout(), false)).branch).toBe("agent-task-forged-task-");
  });

  it("finds its own PR on a repeated attempt even after its branch was deleted", async () => {
    const created = await github.createPull(TARGET, { title: "x", body: correlationComment("forged-task-1"), head: "agent-task-forged-t", base: "main" });
    if (created.kind !== "created") throw new Error("no PR");
    const claim = await claimer().claim(await checkout(), true);
    expect(claim).toMatchObject({ branch: "agent-task-forged-t", branchExists: false, pull: { number: created.pull.number } });
  });

  it("fails permanently, naming every refusal, when every candidate branch is taken", async () => {
    for (const branch of ["agent-task-forged-t", "agent-task-forged-task-", "agent-task-forged-task-1"]) pushBranch(branch, "Task-Id: forged-task-1");
    const run = claimer().claim(await checkout(), false);
    await expect(run).rejects.toBeInstanceOf(BranchConflictError);
    await expect(run).rejects.toMatchObject({ userMessage: expect.stringContaining("agent-task-forged-task-1: the branch exists") });
  });
});
