import { beforeEach, describe, expect, it } from "vitest";
import { FakeGitHubClient } from "@agent-runner/core/testing";
import { correlationComment } from "@agent-runner/core";
import { PullPublisher } from "./pull-publisher.js";
import { RunnerIdentity } from "@agent-runner/core";
import { StepObserver, type StepEvent } from "./step-observer.js";

const TARGET = { owner: "acme", repo: "target" };
const content = { title: "Agent task: x", body: correlationComment("task-1"), head: "agent-task-task-1", base: "main" };

describe("PullPublisher", () => {
  let github: FakeGitHubClient;
  let actions: string[];
  let publisher: PullPublisher;

  beforeEach(() => {
    github = new FakeGitHubClient("agent-runner-bot");
    github.addRepo("acme/target");
    actions = [];
    const observer = new StepObserver([(e: StepEvent) => (e.kind === "pull" ? actions.push(e.action) : undefined)]);
    publisher = new PullPublisher(github, new RunnerIdentity("agent-runner-bot"), TARGET, "task-1", observer);
  });

  it("opens the PR when the task has none", async () => {
    const published = await publisher.publish(content, undefined);
    expect(published).toMatchObject({ state: "opened", preExisting: false, pull: { headRef: "agent-task-task-1" } });
    expect(actions).toEqual(["created"]);
  });

  it("finds its PR when GitHub answers that it already exists (a lost create response)", async () => {
    github.loseNextCreatePullResponse = true;
    await expect(publisher.publish(content, undefined)).rejects.toThrow("Bad Gateway");
    const published = await publisher.publish(content, undefined);
    expect(published).toMatchObject({ state: "opened", preExisting: true });
    expect(github.pulls.get("acme/target")).toHaveLength(1);
    expect(actions).toEqual(["unchanged"]);
  });

  it("does not adopt an open PR someone else opened from its branch", async () => {
    await github.actingAs("mallory", (as) => as.createPull(TARGET, content));
    await expect(publisher.publish(content, undefined)).rejects.toThrow("not this task's");
  });

  it("leaves an up-to-date PR untouched", async () => {
    const { pull } = await publisher.publish(content, undefined);
    const published = await publisher.publish(content, pull);
    expect(published).toMatchObject({ state: "updated", preExisting: true });
    expect(github.calls.filter((c) => c === "updatePull")).toHaveLength(0);
    expect(actions).toEqual(["created", "unchanged"]);
  });

  it("updates a PR whose title or body changed", async () => {
    const { pull } = await publisher.publish(content, undefined);
    const published = await publisher.publish({ ...content, title: "Agent task: y" }, pull);
    expect(published.pull.title).toBe("Agent task: y");
    expect(actions).toEqual(["created", "updated"]);
  });
});
