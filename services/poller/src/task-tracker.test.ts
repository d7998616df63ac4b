import { describe, expect, it } from "vitest";
import { createLogger } from "@agent-runner/runtime";
import type { TaskJob } from "@agent-runner/core";
import { FakeGitHubClient, FakeTaskQueue, MemoryCancellationLedger, MemoryTaskRuns } from "@agent-runner/core/testing";
import { TaskCanceller } from "./task-canceller.js";
import { TaskTracker } from "./task-tracker.js";
import { MemoryAnswerLedger } from "./test-support/memory-answer-ledger.js";

function setup() {
  const github = new FakeGitHubClient();
  github.addRepo("acme/dispatch");
  const queue = new FakeTaskQueue();
  const runs = new MemoryTaskRuns();
  const cancels = new MemoryCancellationLedger();
  const log = createLogger({ level: "silent", service: "test", secrets: [] });
  const canceller = new TaskCanceller({
    github,
    queue,
    runs,
    cancels,
    ledger: new MemoryAnswerLedger(),
    dispatchRepo: { owner: "acme", repo: "dispatch" },
    dispatchLabel: "copilot-agent",
    commandPrefix: "/agent",
    log,
  });
  const tracker = new TaskTracker({ runs, queue, cancels, canceller, log });
  const issue = github.addIssue("acme/dispatch", { title: "T", labels: ["copilot-agent"] });
  const job: TaskJob = {
    version: 1,
    taskId: "task-1",
    dispatchRepo: "acme/dispatch",
    issueNumber: issue.number,
    issueTitle: "T",
    issueUrl: issue.htmlUrl,
    instruction: "Go",
    targetRepo: "acme/target",
    enqueuedAt: "2026-01-01T00:00:00.000Z",
  };
  /** One poll that lists `listed` and offers the task when its issue is among them. */
  const poll = async (listed: number[]) => {
    if (listed.includes(issue.number)) await queue.enqueue(await tracker.assignRuns([job]));
    return tracker.sweep(new Set(listed));
  };
  const comments = () => github.commentsOn("acme/dispatch", issue.number);
  /** One poll that offers the task with `instruction`, after any run waiting for its predecessor. */
  const offer = async (instruction: string) => {
    await queue.enqueue(await tracker.resumeWaiting());
    await queue.enqueue(await tracker.assignRuns([{ ...job, instruction }]));
  };
  return { github, queue, runs, cancels, tracker, issue, job, poll, offer, comments };
}

describe("TaskTracker", () => {
  it("queues a task's first run under the task's own job id and without a run number", async () => {
    const { queue, issue, poll } = setup();
    await poll([issue.number]);
    expect([...queue.jobs.keys()]).toEqual(["task-1"]);
    expect(queue.jobs.get("task-1")?.run).toBeUndefined();
  });

  it("cancels a waiting task whose issue left the listing: removes its job, flags its run and comments once", async () => {
    const { queue, cancels, issue, poll, comments } = setup();
    await poll([issue.number]);
    expect(await poll([])).toBe(1);
    expect(await poll([])).toBe(0);
    expect(queue.jobs.size).toBe(0);
    expect(cancels.cancelled).toEqual(new Set(["task-1"]));
    expect(comments()).toHaveLength(1);
    expect(comments()[0]?.body).toContain("cancelled this task");
  });

  it("cancels the tasks of one issue when a delivery says it left, and leaves other issues' tasks alone", async () => {
    const { github, queue, tracker, issue, job, poll, comments } = setup();
    const other = github.addIssue("acme/dispatch", { title: "U", labels: ["copilot-agent"] });
    await poll([issue.number]);
    await queue.enqueue(await tracker.assignRuns([{ ...job, taskId: "task-2", issueNumber: other.number }]));

    expect(await tracker.issueLeft(issue.number)).toBe(1);
    expect([...queue.jobs.keys()]).toEqual(["task-2"]);
    expect(comments()).toHaveLength(1);
    expect(github.commentsOn("acme/dispatch", other.number)).toEqual([]);
  });

  it("flags a running task for its worker and comments once however many polls still see it running", async () => {
    const { queue, cancels, runs, issue, poll, comments } = setup();
    await poll([issue.number]);
    queue.active.add("task-1");
    await poll([]);
    await poll([]);
    expect(await cancels.isCancelled("task-1")).toBe(true);
    expect(comments()).toHaveLength(1);
    // Still tracked until its worker stops it: a later poll finds it over and forgets it.
    expect((await runs.tracked()).has("task-1")).toBe(true);
    queue.active.delete("task-1");
    queue.finished.add("task-1");
    await poll([]);
    expect((await runs.tracked()).size).toBe(0);
    expect(comments()).toHaveLength(1);
  });

  it("says nothing when the issue of a finished task is closed", async () => {
    const { queue, runs, issue, poll, comments } = setup();
    await poll([issue.number]);
    queue.jobs.delete("task-1");
    queue.finished.add("task-1");
    expect(await poll([])).toBe(0);
    expect(comments()).toEqual([]);
    expect((await runs.tracked()).size).toBe(0);
  });

  it("starts a new run under a new job id when a cancelled task's issue comes back, and cancels that run on its own", async () => {
    const { queue, issue, poll, comments } = setup();
    await poll([issue.number]);
    await poll([]);
    await poll([issue.number]);
    expect([...queue.jobs.keys()]).toEqual(["task-1#2"]);
    expect(queue.jobs.get("task-1#2")?.run).toBe(2);
    // Seen again on the next poll: the same run, not a third one.
    await poll([issue.number]);
    expect([...queue.jobs.keys()]).toEqual(["task-1#2"]);
    await poll([]);
    expect(queue.jobs.size).toBe(0);
    expect(comments()).toHaveLength(2);
  });

  it("leaves a task alone while its issue stays listed", async () => {
    const { queue, cancels, issue, poll, comments } = setup();
    await poll([issue.number]);
    await poll([issue.number, 999]);
    expect(queue.jobs.size).toBe(1);
    expect(cancels.cancelled.size).toBe(0);
    expect(comments()).toEqual([]);
  });

  it("starts a new run with the edited instruction, replacing a waiting run without a comment", async () => {
    const { queue, cancels, offer, comments } = setup();
    await offer("Go");
    await offer("Go further");
    expect([...queue.jobs.keys()]).toEqual(["task-1#2"]);
    expect(queue.jobs.get("task-1#2")?.instruction).toBe("Go further");
    expect(await cancels.isCancelled("task-1")).toBe(true);
    expect(comments()).toEqual([]);
    // The same text offered again is the same run.
    await offer("Go further");
    expect([...queue.jobs.keys()]).toEqual(["task-1#2"]);
  });

  it("lets a run replaced while it is active stop before the edited one starts, however many polls pass", async () => {
    const { queue, cancels, offer } = setup();
    await offer("Go");
    queue.jobs.delete("task-1");
    queue.active.add("task-1");
    await offer("Go further");
    await offer("Go further");
    expect(await cancels.isCancelled("task-1")).toBe(true);
    expect(queue.jobs.size).toBe(0);
    queue.active.delete("task-1");
    queue.finished.add("task-1");
    await offer("Go further");
    expect([...queue.jobs.keys()]).toEqual(["task-1#2"]);
    expect(queue.jobs.get("task-1#2")?.instruction).toBe("Go further");
  });

  it("starts the waiting run on a poll that lists nothing new", async () => {
    const { queue, tracker, offer } = setup();
    await offer("Go");
    queue.jobs.delete("task-1");
    queue.active.add("task-1");
    await offer("Go further");
    queue.active.delete("task-1");
    queue.finished.add("task-1");
    await queue.enqueue(await tracker.resumeWaiting());
    expect([...queue.jobs.keys()]).toEqual(["task-1#2"]);
    expect(await tracker.resumeWaiting()).toEqual([]);
  });

  it("re-runs a done task only when its instruction or target changed since its run", async () => {
    const { tracker, job, offer } = setup();
    await offer("Go");
    expect(await tracker.editedSinceRun([{ ...job, instruction: "Go" }])).toEqual([]);
    expect(await tracker.editedSinceRun([{ ...job, instruction: "Go", issueTitle: "renamed" }])).toEqual([]);
    expect(await tracker.editedSinceRun([{ ...job, instruction: "Go on" }])).toHaveLength(1);
    expect(await tracker.editedSinceRun([{ ...job, instruction: "Go", targetRepo: "acme/other" }])).toHaveLength(1);
  });

  it("never re-runs a done task it has no record of running", async () => {
    const { tracker, job } = setup();
    expect(await tracker.editedSinceRun([job])).toEqual([]);
  });
});
