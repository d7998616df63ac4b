import { describe, expect, it } from "vitest";
import { InvalidTaskError, type TaskJob } from "@agent-runner/core";
import { FakeGitHubClient } from "@agent-runner/core/testing";
import { issueAsItReadsNow } from "./issue-as-it-reads-now.js";

const trust = { trustedAuthorAssociations: ["OWNER", "MEMBER"], trustedAuthors: ["producer-bot"] };
const body = (taskId: string, instruction: string, target = "acme/target") =>
  `<!-- agent_task_metadata ${JSON.stringify({ task_id: taskId })} -->\n\n## Instruction\n\n${instruction}\n\nTarget Repository: ${target}\n`;

function setUp(issue: { body: string; authorLogin?: string; authorAssociation?: string }) {
  const github = new FakeGitHubClient();
  const { number } = github.addIssue("acme/dispatch", { title: "Now reads differently", labels: ["copilot-agent"], ...issue });
  const job: TaskJob = {
    version: 1,
    taskId: "reread-1",
    dispatchRepo: "acme/dispatch",
    issueNumber: number,
    issueTitle: "As queued",
    issueUrl: "https://github.example/acme/dispatch/issues/1",
    instruction: "The queued instruction",
    targetRepo: "acme/old-target",
    enqueuedAt: "2026-01-01T00:00:00.000Z",
  };
  return { github, job };
}

describe("issueAsItReadsNow", () => {
  it("runs the instruction, target and title the issue carries now, keeping the job's run", async () => {
    const { github, job } = setUp({ body: body("reread-1", "The edited instruction", "acme/new-target") });
    const fresh = await issueAsItReadsNow({ ...job, run: 3 }, github, trust);
    expect(fresh).toMatchObject({ taskId: "reread-1", run: 3, instruction: "The edited instruction", targetRepo: "acme/new-target", issueTitle: "Now reads differently" });
  });

  it("accepts an author trusted by login whatever the association", async () => {
    const { github, job } = setUp({ body: body("reread-1", "x"), authorLogin: "producer-bot", authorAssociation: "NONE" });
    await expect(issueAsItReadsNow(job, github, trust)).resolves.toMatchObject({ instruction: "x" });
  });

  it.each([
    ["its author is no longer trusted", { body: body("reread-1", "x"), authorLogin: "mallory", authorAssociation: "CONTRIBUTOR" }, "no longer trusted"],
    ["it no longer reads as a task", { body: "just some text" }, "no longer reads as a task"],
    ["it now names another task", { body: body("other-task-9", "x") }, "another task id"],
  ])("fails for good when %s", async (_name, issue, message) => {
    const { github, job } = setUp(issue);
    const error = await issueAsItReadsNow(job, github, trust).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTaskError);
    expect((error as InvalidTaskError).userMessage).toContain(message);
  });

  it("fails for good when the issue is gone", async () => {
    const { github, job } = setUp({ body: body("reread-1", "x") });
    await expect(issueAsItReadsNow({ ...job, issueNumber: 999 }, github, trust)).rejects.toBeInstanceOf(InvalidTaskError);
  });
});
