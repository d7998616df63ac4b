import { describe, expect, it } from "vitest";
import { createLogger } from "@agent-runner/runtime";
import type { DispatchIssue, IssueComment, TaskJob } from "@agent-runner/core";
import { FakeGitHubClient, FakeTaskQueue, MemoryCancellationLedger, MemoryOwnCommentTally, MemoryTaskRuns } from "@agent-runner/core/testing";
import { CommentCommands, parseCommand } from "./comment-commands.js";
import { TaskCanceller } from "./task-canceller.js";
import { TaskTracker } from "./task-tracker.js";
import { MemoryAnswerLedger } from "./test-support/memory-answer-ledger.js";

describe("parseCommand", () => {
  it.each([
    ["/agent retry", "retry"],
    ["/agent cancel", "cancel"],
    ["  /AGENT   Retry  \n\nbecause the tests were flaky", "retry"],
    ["\n\n/agent cancel", "cancel"],
  ])("reads %j as %s", (body, command) => {
    expect(parseCommand(body, "/agent")).toBe(command);
  });

  it.each([
    ["another prefix", "/bot retry"],
    ["an unknown verb", "/agent deploy"],
    ["extra words on the command line", "/agent retry now please"],
    ["the command later in the comment", "please\n/agent retry"],
    ["the prefix glued to the verb", "/agentretry"],
    ["an empty comment", ""],
  ])("ignores %s", (_name, body) => {
    expect(parseCommand(body, "/agent")).toBeUndefined();
  });
});

function setup() {
  const github = new FakeGitHubClient();
  github.addRepo("acme/dispatch");
  const queue = new FakeTaskQueue();
  const runs = new MemoryTaskRuns();
  const cancels = new MemoryCancellationLedger();
  const ledger = new MemoryAnswerLedger();
  const log = createLogger({ level: "silent", service: "test", secrets: [] });
  const dispatchRepo = { owner: "acme", repo: "dispatch" };
  const policy = { dispatchRepo, processedLabel: "processed", allowedTargetRepos: ["acme/*"], trustedAuthorAssociations: ["OWNER"], trustedAuthors: ["release-bot"] };
  const canceller = new TaskCanceller({ github, queue, runs, cancels, ledger, dispatchRepo, dispatchLabel: "copilot-agent", commandPrefix: "/agent", log });
  const tracker = new TaskTracker({ runs, queue, cancels, canceller, log });
  const ownComments = new MemoryOwnCommentTally();
  const commands = new CommentCommands({ github, queue, runs, tracker, canceller, ledger, ownComments, policy, prefix: "/agent", log });
  const issue: DispatchIssue = github.addIssue("acme/dispatch", { title: "T", labels: ["copilot-agent"] });
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
  let nextId = 1000;
  const comment = (body: string, authorAssociation = "OWNER", authorLogin = "octo-owner"): IssueComment => ({
    id: nextId++,
    body,
    authorLogin,
    authorAssociation,
    htmlUrl: "https://github.example/c",
  });
  const jobFor = () => job;
  const start = async () => queue.enqueue(await tracker.assignRuns([job]));
  const replies = () => github.commentsOn("acme/dispatch", issue.number);
  return { github, queue, runs, cancels, ownComments, commands, issue, job, comment, jobFor, start, replies };
}

describe("CommentCommands", () => {
  it("starts a new run on a trusted `/agent retry`, after the current run is stopped", async () => {
    const { queue, cancels, commands, issue, comment, jobFor, start } = setup();
    await start();
    expect(await commands.handle(issue, [comment("/agent retry")], jobFor)).toBe("retry");
    expect(await cancels.isCancelled("task-1")).toBe(true);
    expect([...queue.jobs.keys()]).toEqual(["task-1#2"]);
  });

  it("acts once on two `/agent retry` comments that arrive together, and never again on the same comments", async () => {
    const { queue, commands, issue, comment, jobFor, start } = setup();
    await start();
    const both = [comment("/agent retry"), comment("/agent retry")];
    await commands.handle(issue, both, jobFor);
    expect(await commands.handle(issue, both, jobFor)).toBeUndefined();
    expect([...queue.jobs.keys()]).toEqual(["task-1#2"]);
  });

  it("ignores commands from untrusted commenters without replying", async () => {
    const { github, queue, commands, issue, comment, jobFor, start, replies } = setup();
    await start();
    const writesBefore = github.calls.length;
    expect(await commands.handle(issue, [comment("/agent cancel", "NONE", "mallory"), comment("/agent retry", "CONTRIBUTOR", "eve")], jobFor)).toBeUndefined();
    expect([...queue.jobs.keys()]).toEqual(["task-1"]);
    expect(replies()).toEqual([]);
    expect(github.calls.length).toBe(writesBefore);
  });

  it("trusts a commenter named in TRUSTED_AUTHORS whatever their association", async () => {
    const { queue, commands, issue, comment, jobFor, start } = setup();
    await start();
    await commands.handle(issue, [comment("/agent cancel", "NONE", "Release-Bot")], jobFor);
    expect(queue.jobs.size).toBe(0);
  });

  it("cancels on `/agent cancel`, comments once, and keeps the task stopped while its issue stays open until `/agent retry`", async () => {
    const { queue, commands, issue, comment, jobFor, start, replies } = setup();
    await start();
    await commands.handle(issue, [comment("/agent cancel")], jobFor);
    expect(queue.jobs.size).toBe(0);
    expect(replies()).toHaveLength(1);
    expect(replies()[0]?.body).toContain("`/agent retry`");
    // The issue is still listed: the next polls start nothing.
    await start();
    await start();
    expect(queue.jobs.size).toBe(0);
    await commands.handle(issue, [comment("/agent retry")], jobFor);
    expect([...queue.jobs.keys()]).toEqual(["task-1#2"]);
    expect(replies()).toHaveLength(1);
  });

  it("lets the last of several commands posted together decide", async () => {
    const { queue, commands, issue, comment, jobFor, start } = setup();
    await start();
    expect(await commands.handle(issue, [comment("/agent retry"), comment("/agent cancel")], jobFor)).toBe("cancel");
    expect(queue.jobs.size).toBe(0);
  });

  it("lists comments only for an issue with a task that gained a comment someone else wrote", async () => {
    const { github, ownComments, commands, issue, jobFor, start } = setup();
    const other = github.addIssue("acme/dispatch", { title: "no task here", labels: ["copilot-agent"] });
    await start();
    const listings = () => github.calls.filter((c) => c === "listIssueComments").length;
    await commands.check([issue, { ...other, comments: 3 }], jobFor);
    expect(listings()).toBe(0);
    // The runner's own "PR opened" comment: the count moved, but only by the runner.
    await ownComments.add(issue.number);
    await commands.check([{ ...issue, comments: 1, updatedAt: "2026-02-01T00:00:00Z" }], jobFor);
    expect(listings()).toBe(0);
    // Someone else commented.
    await commands.check([{ ...issue, comments: 2 }], jobFor);
    expect(listings()).toBe(1);
    await commands.check([{ ...issue, comments: 2, updatedAt: "2026-02-02T00:00:00Z" }], jobFor);
    expect(listings()).toBe(1);
  });

  it("lists the comments of an issue first seen with comments by someone else, as after a restart", async () => {
    const { github, ownComments, commands, issue, jobFor, start } = setup();
    await start();
    await ownComments.add(issue.number);
    const listings = () => github.calls.filter((c) => c === "listIssueComments").length;
    await commands.check([{ ...issue, comments: 1 }], jobFor);
    expect(listings()).toBe(0);
    await commands.check([{ ...issue, comments: 2 }], jobFor);
    expect(listings()).toBe(1);
  });

  it("notices a new comment even when another was deleted in the meantime", async () => {
    const { github, commands, issue, jobFor, start } = setup();
    await start();
    const listings = () => github.calls.filter((c) => c === "listIssueComments").length;
    await commands.check([{ ...issue, comments: 2 }], jobFor);
    await commands.check([{ ...issue, comments: 1 }], jobFor);
    expect(listings()).toBe(1);
    await commands.check([{ ...issue, comments: 2 }], jobFor);
    expect(listings()).toBe(2);
  });

  it("looks again at the next poll when the comments could not be read", async () => {
    const { github, commands, issue, jobFor, start } = setup();
    await start();
    const listings = () => github.calls.filter((c) => c === "listIssueComments").length;
    const list = github.listIssueComments.bind(github);
    let failures = 1;
    github.listIssueComments = async (...args) => {
      if (failures-- > 0) {
        github.calls.push("listIssueComments");
        throw new Error("GitHub is down");
      }
      return list(...args);
    };
    await commands.check([{ ...issue, comments: 1 }], jobFor);
    await commands.check([{ ...issue, comments: 1 }], jobFor);
    expect(listings()).toBe(2);
  });
});
