import { describe, expect, it } from "vitest";
import { FakeGitHubClient, MemoryTaskRuns } from "@agent-runner/core/testing";
import { createLogger } from "@agent-runner/runtime";
import { lazyRunnerIdentity } from "./runner-identity-source.js";
import { TaskPullCloser } from "./task-pull-closer.js";

const silent = createLogger({ level: "silent", service: "test", secrets: [] });
const target = { owner: "acme", repo: "target" };
const body = (taskId: string) => `<!-- agent_task_metadata ${JSON.stringify({ task_id: taskId })} -->\n\nFixes acme/dispatch#1`;

async function setUp() {
  const github = new FakeGitHubClient();
  github.addRepo("acme/target");
  const runs = new MemoryTaskRuns();
  await runs.setTarget("close-me-1", "acme/target");
  return { github, runs, closer: new TaskPullCloser({ github, runs, runner: lazyRunnerIdentity(github), log: silent }) };
}

/** The runner's own open PR from the task's branch, with `text` as its body. */
async function runnerPull(github: FakeGitHubClient, text: string): Promise<number> {
  const created = await github.createPull(target, { title: "t", body: text, head: "agent-task-close-me", base: "main" });
  if (created.kind !== "created") throw new Error("no PR");
  return created.pull.number;
}

describe("TaskPullCloser", () => {
  it("closes the task's open PR and comments on it once", async () => {
    const { github, closer } = await setUp();
    const created = await github.createPull(target, { title: "t", body: body("close-me-1"), head: "agent-task-close-me", base: "main" });
    const number = created.kind === "created" ? created.pull.number : -1;
    expect(await closer.close("close-me-1")).toBe(number);
    expect(github.pulls.get("acme/target")?.[0]?.state).toBe("closed");
    const comments = github.commentsOn("acme/target", number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("cancelled");
  });

  it("leaves alone a PR someone else opened from the task's branch with the task's correlation comment", async () => {
    const { github, closer } = await setUp();
    await github.actingAs("mallory", (as) => as.createPull(target, { title: "t", body: body("close-me-1"), head: "agent-task-close-me", base: "main" }));
    expect(await closer.close("close-me-1")).toBeUndefined();
    expect(github.pulls.get("acme/target")?.[0]?.state).toBe("open");
    expect(github.calls).not.toContain("closePull");
  });

  it("closes the runner's PR though GitHub spells the runner's login in another case", async () => {
    const { github, closer } = await setUp();
    const number = await runnerPull(github, body("close-me-1"));
    github.viewer = "Agent-Runner-BOT";
    expect(await closer.close("close-me-1")).toBe(number);
    expect(github.pulls.get("acme/target")?.[0]?.state).toBe("closed");
  });

  it("leaves open the runner's PR whose body names another task first, though it holds this task's marker later", async () => {
    const { github, closer } = await setUp();
    await runnerPull(github, `${body("other-task-1")}\n${body("close-me-1")}`);
    expect(await closer.close("close-me-1")).toBeUndefined();
    expect(github.calls).toContain("findPullsByHead");
    expect(github.calls).not.toContain("closePull");
  });

  it("leaves open the runner's PR whose marker names the task but is not written as the runner writes it", async () => {
    const { github, closer } = await setUp();
    await runnerPull(github, '<!--agent_task_metadata { "task_id": "close-me-1" }-->\n\nFixes acme/dispatch#1');
    expect(await closer.close("close-me-1")).toBeUndefined();
    expect(github.calls).toContain("findPullsByHead");
    expect(github.calls).not.toContain("closePull");
  });

  it("does nothing for a task whose target it never recorded", async () => {
    const { github, closer } = await setUp();
    expect(await closer.close("unknown-task")).toBeUndefined();
    expect(github.calls).toEqual([]);
  });
});
