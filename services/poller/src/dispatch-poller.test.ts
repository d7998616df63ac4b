import { describe, expect, it } from "vitest";
import { createLogger } from "@agent-runner/runtime";
import { GitHubApiError } from "@agent-runner/core";
import { FakeGitHubClient } from "@agent-runner/core/testing";
import { FakeTaskQueue } from "@agent-runner/core/testing";
import type { AnswerLedger } from "./answer-ledger.js";
import { DispatchPoller } from "./dispatch-poller.js";
import { ListingWindow } from "./listing-window.js";
import type { PollerMetrics } from "./poller-metrics.js";
import { MemoryAnswerLedger } from "./test-support/memory-answer-ledger.js";

const noMetrics: PollerMetrics = {
  poll: () => undefined,
  issuesSeen: () => undefined,
  enqueued: () => undefined,
  duplicates: () => undefined,
  rejected: () => undefined,
  found: () => undefined,
  delivery: () => undefined,
  followUp: () => undefined,
};

function setup(ledger: AnswerLedger = new MemoryAnswerLedger()) {
  const github = new FakeGitHubClient();
  const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
  const queue = new FakeTaskQueue();
  const poller = new DispatchPoller({
    github,
    queue,
    ledger,
    policy: {
      dispatchRepo: { owner: "acme", repo: "dispatch" },
      processedLabel: "processed",
      allowedTargetRepos: ["acme/*"],
      trustedAuthorAssociations: ["OWNER"],
      trustedAuthors: [],
    },
    dispatchLabel: "copilot-agent",
    window: new ListingWindow({ sweepIntervalMs: 3_600_000, now: () => clock.now }),
    metrics: noMetrics,
    log: createLogger({ level: "silent", service: "test", secrets: [] }),
    now: () => new Date("2026-01-01T00:00:00Z"),
  });
  return { github, queue, poller, clock };
}

/** What a comment, an edit or a label does to an issue on GitHub. */
function touch(issue: { updatedAt: string }, at: string): void {
  issue.updatedAt = at;
}

const body = (id: string) => `<!-- agent_task_metadata {"task_id": "${id}"} -->\n## Instruction\nGo\nTarget Repository: acme/target`;

describe("DispatchPoller", () => {
  it("enqueues one job per valid task with a payload that names the issue and carries no secret", async () => {
    const { github, queue, poller } = setup();
    const issue = github.addIssue("acme/dispatch", { title: "T", body: body("task-1"), labels: ["copilot-agent"] });
    const summary = await poller.pollOnce();
    expect(summary).toMatchObject({ status: "modified", enqueued: 1 });
    expect(queue.jobs.get("task-1")).toEqual({
      version: 1,
      taskId: "task-1",
      dispatchRepo: "acme/dispatch",
      issueNumber: issue.number,
      issueTitle: "T",
      issueUrl: issue.htmlUrl,
      instruction: "Go",
      targetRepo: "acme/target",
      enqueuedAt: "2026-01-01T00:00:00.000Z",
      labelledAt: issue.updatedAt,
    });
  });

  it("sends conditional requests once the window is open and does nothing when nothing changed", async () => {
    const { github, poller } = setup();
    github.addIssue("acme/dispatch", { title: "T", body: body("task-1"), labels: ["copilot-agent"] });
    expect(await poller.pollOnce()).toMatchObject({ mode: "sweep", status: "modified" });
    expect(await poller.pollOnce()).toMatchObject({ mode: "incremental", status: "modified" });
    expect(await poller.pollOnce()).toMatchObject({ mode: "incremental", status: "not_modified" });
    expect(await poller.pollOnce()).toMatchObject({ mode: "incremental", status: "not_modified" });
  });

  it("after the start-up sweep asks only for issues updated since the newest one seen, and sees only those", async () => {
    const { github, queue, poller } = setup();
    for (let i = 0; i < 30; i++) {
      const old = github.addIssue("acme/dispatch", { title: `done ${i}`, body: body(`old-${i}`), labels: ["copilot-agent", "processed"] });
      touch(old, `2025-12-${String(i + 1).padStart(2, "0")}T00:00:00Z`);
    }
    const sweep = await poller.pollOnce();
    expect(sweep).toMatchObject({ mode: "sweep", seen: 30, skipped: 30 });
    const fresh = github.addIssue("acme/dispatch", { title: "new", body: body("new-1"), labels: ["copilot-agent"] });
    touch(fresh, "2026-01-01T00:05:00Z");
    // The newest old issue stays in the window (the margin); the 29 before it are not asked for.
    expect(await poller.pollOnce()).toMatchObject({ mode: "incremental", seen: 2, enqueued: 1, skipped: 1 });
    expect(github.listings.map((l) => l.since)).toEqual([undefined, "2025-12-29T23:59:00Z"]);
    expect(queue.jobs.has("new-1")).toBe(true);
  });

  it("lists again, still incrementally, when anyone comments on an old issue", async () => {
    const { github, poller } = setup();
    const old = github.addIssue("acme/dispatch", { title: "done", body: body("old-1"), labels: ["copilot-agent", "processed"] });
    touch(old, "2026-01-01T00:00:00Z");
    await poller.pollOnce();
    await poller.pollOnce();
    expect((await poller.pollOnce()).status).toBe("not_modified");
    github.addIssue("acme/dispatch", { title: "elsewhere", labels: ["other"] });
    touch(old, "2026-01-01T00:07:00Z");
    expect(await poller.pollOnce()).toMatchObject({ mode: "incremental", status: "modified", seen: 1, skipped: 1 });
    expect(github.listings.every((l, i) => i === 0 || l.since === "2025-12-31T23:59:00Z")).toBe(true);
  });

  it("sweeps every open labelled issue again once the sweep interval has passed", async () => {
    const { github, poller, clock } = setup();
    github.addIssue("acme/dispatch", { title: "T", body: body("task-1"), labels: ["copilot-agent"] });
    await poller.pollOnce();
    await poller.pollOnce();
    clock.now += 3_600_000;
    expect(await poller.pollOnce()).toMatchObject({ mode: "sweep" });
    expect(github.listings.at(-1)?.since).toBeUndefined();
  });

  it("counts a task offered twice as a duplicate", async () => {
    const { github, poller } = setup();
    github.addIssue("acme/dispatch", { title: "T", body: body("task-1"), labels: ["copilot-agent"] });
    await poller.pollOnce();
    github.addIssue("acme/dispatch", { title: "other", body: body("task-2"), labels: ["copilot-agent"] });
    expect(await poller.pollOnce()).toMatchObject({ enqueued: 1, duplicates: 1 });
  });

  it("answers an invalid issue once however many polls see it, and again after an edit", async () => {
    const { github, poller } = setup();
    const issue = github.addIssue("acme/dispatch", { title: "T", body: "no metadata", labels: ["copilot-agent"] });
    for (let i = 0; i < 5; i++) {
      github.addIssue("acme/dispatch", { title: `noise ${i}`, labels: ["other"] }); // changes the ETag
      await poller.pollOnce();
    }
    expect(github.commentsOn("acme/dispatch", issue.number)).toHaveLength(1);
    (issue as { body: string | null }).body = "still {no} metadata";
    github.addIssue("acme/dispatch", { title: "bump", labels: ["other"] });
    await poller.pollOnce();
    expect(github.commentsOn("acme/dispatch", issue.number)).toHaveLength(2);
  });

  it("makes a fixed issue eligible again after it was rejected", async () => {
    const { github, queue, poller } = setup();
    const issue = github.addIssue("acme/dispatch", { title: "T", body: "oops", labels: ["copilot-agent"] });
    await poller.pollOnce();
    (issue as { body: string | null }).body = body("fixed-1");
    github.addIssue("acme/dispatch", { title: "bump", labels: ["other"] });
    await poller.pollOnce();
    expect(queue.jobs.has("fixed-1")).toBe(true);
  });

  it("keeps going past a bad issue and enqueues the newer good ones", async () => {
    const { github, queue, poller } = setup();
    github.addIssue("acme/dispatch", { title: "empty", body: null, labels: ["copilot-agent"] });
    github.addIssue("acme/dispatch", { title: "good", body: body("after-bad"), labels: ["copilot-agent"] });
    await poller.pollOnce();
    expect(queue.jobs.has("after-bad")).toBe(true);
  });

  it("retries the answer on the next poll when commenting failed", async () => {
    const ledger = new MemoryAnswerLedger();
    const { github, poller } = setup(ledger);
    const issue = github.addIssue("acme/dispatch", { title: "T", body: "oops", labels: ["copilot-agent"] });
    github.failures.set("createIssueComment", [new GitHubApiError({ status: 502, message: "x", route: "c" })]);
    await poller.pollOnce();
    expect(ledger.keys.size).toBe(0);
    github.addIssue("acme/dispatch", { title: "bump", labels: ["other"] });
    await poller.pollOnce();
    expect(github.commentsOn("acme/dispatch", issue.number)).toHaveLength(1);
  });

  it("keeps the old ETag when enqueueing fails, so the next poll lists again", async () => {
    const { github, queue, poller } = setup();
    github.addIssue("acme/dispatch", { title: "T", body: body("task-9"), labels: ["copilot-agent"] });
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = async () => {
      throw new Error("redis down");
    };
    await expect(poller.pollOnce()).rejects.toThrow("redis down");
    queue.enqueue = enqueue;
    expect(await poller.pollOnce()).toMatchObject({ status: "modified", enqueued: 1 });
  });
});
