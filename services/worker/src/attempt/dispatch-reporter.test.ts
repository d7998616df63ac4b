import { beforeEach, describe, expect, it } from "vitest";
import { GitHubApiError, NoChangesError, RepoNotFoundError, type PullRequest } from "@agent-runner/core";
import { FakeGitHubClient } from "@agent-runner/core/testing";
import { doneMarker, failedMarker } from "@agent-runner/core";
import { DispatchReporter } from "./dispatch-reporter.js";
import { RunnerIdentity } from "@agent-runner/core";

const DISPATCH = { owner: "acme", repo: "dispatch" };

const pull: PullRequest = {
  number: 3,
  htmlUrl: "https://github.example/acme/target/pull/3",
  state: "open",
  merged: false,
  title: "Agent task",
  body: null,
  headRef: "agent-task-task-1",
  headSha: "0".repeat(40),
  authorLogin: "agent-runner-bot",
};

describe("DispatchReporter", () => {
  let github: FakeGitHubClient;
  let issueNumber: number;
  let reporter: DispatchReporter;

  beforeEach(() => {
    github = new FakeGitHubClient("agent-runner-bot");
    github.addRepo("acme/dispatch");
    issueNumber = github.addIssue("acme/dispatch", { title: "Do it", labels: ["copilot-agent"] }).number;
    reporter = new DispatchReporter(github, new RunnerIdentity("agent-runner-bot"), { repo: DISPATCH, issueNumber, taskId: "task-1" }, "processed");
  });

  const comments = () => github.commentsOn("acme/dispatch", issueNumber);

  it("posts the PR's URL with the done marker", async () => {
    await reporter.done(pull, "opened", false);
    expect(comments()).toHaveLength(1);
    expect(comments()[0]?.body).toContain(doneMarker("task-1"));
    expect(comments()[0]?.body).toContain(pull.htmlUrl);
  });

  it("skips the look-up for a PR the attempt itself created", async () => {
    await reporter.done(pull, "opened", false);
    expect(github.calls).toEqual(["createIssueComment"]);
  });

  it("posts the done comment once when the PR may have been announced before", async () => {
    await reporter.done(pull, "opened", true);
    await reporter.done(pull, "updated", true);
    expect(comments()).toHaveLength(1);
  });

  it("still posts its own done comment when someone else posted the done marker", async () => {
    await github.actingAs("mallory", (as) => as.createIssueComment(DISPATCH, issueNumber, `${doneMarker("task-1")}\nall done, nothing to see`));
    await reporter.done(pull, "updated", true);
    expect(comments().map((c) => c.authorLogin)).toEqual(["mallory", "agent-runner-bot"]);
    expect(comments()[1]?.body).toContain(pull.htmlUrl);
  });

  it("still reports a failure when someone else posted the failure marker", async () => {
    await github.actingAs("mallory", (as) => as.createIssueComment(DISPATCH, issueNumber, failedMarker("task-1")));
    await reporter.failed(new RepoNotFoundError("gone", "the target repository does not exist"), false);
    expect(comments()).toHaveLength(2);
    expect(comments()[1]?.body).toContain("the target repository does not exist");
  });

  it("explains a permanent failure with its user message and how to requeue", async () => {
    await reporter.failed(new RepoNotFoundError("gone", "the target repository does not exist"), false);
    expect(comments()[0]?.body).toContain("failed: the target repository does not exist");
    expect(comments()[0]?.body).toContain("This cannot succeed by retrying");
  });

  it("says a transient failure was retried until the attempts ran out", async () => {
    await reporter.failed(new GitHubApiError({ status: 503, message: "unavailable", route: "GET /x" }), true);
    expect(comments()[0]?.body).toContain("It was retried and kept failing");
  });

  it("explains a change step that changed nothing with the step's summary", async () => {
    await reporter.failed(new NoChangesError("the patch step changed nothing", "the patch was already applied"), false);
    expect(comments()[0]?.body).toContain("changed nothing, so no pull request was opened");
    expect(comments()[0]?.body).toContain("the patch was already applied");
  });

  it("reports a failure once however many attempts report it", async () => {
    await reporter.failed(new RepoNotFoundError("gone"), false);
    await reporter.failed(new RepoNotFoundError("gone"), false);
    expect(comments()).toHaveLength(1);
  });

  it("labels the issue as processed", async () => {
    await reporter.markProcessed();
    expect(github.labelsOf("acme/dispatch", issueNumber)).toContain("processed");
  });

  describe("on a later run of the task", () => {
    const laterRun = (run: number) =>
      new DispatchReporter(github, new RunnerIdentity("agent-runner-bot"), { repo: DISPATCH, issueNumber, taskId: "task-1", run }, "processed");

    it("edits the task's comment in place instead of adding one, saying which run it is", async () => {
      await reporter.done(pull, "opened", false);
      await laterRun(2).done(pull, "updated", true);
      expect(comments()).toHaveLength(1);
      expect(comments()[0]?.body).toContain("pull request updated");
      expect(comments()[0]?.body).toContain("run 2");
      expect(github.calls.filter((c) => c === "updateIssueComment")).toHaveLength(1);
    });

    it("turns an earlier run's failure comment into this run's report", async () => {
      await reporter.failed(new RepoNotFoundError("gone"), false);
      await laterRun(2).done(pull, "opened", true);
      expect(comments()).toHaveLength(1);
      expect(comments()[0]?.body).toContain(doneMarker("task-1"));
      expect(comments()[0]?.body).toContain(pull.htmlUrl);
    });

    it("writes nothing when this run's report is already there, as after a crash", async () => {
      await laterRun(3).done(pull, "updated", true);
      await laterRun(3).done(pull, "updated", true);
      expect(comments()).toHaveLength(1);
      expect(github.calls.filter((c) => c === "updateIssueComment")).toHaveLength(0);
    });

    it("leaves alone a comment someone else wrote with the runner's marker", async () => {
      await github.actingAs("mallory", (as) => as.createIssueComment(DISPATCH, issueNumber, `${doneMarker("task-1")} forged`));
      await laterRun(2).done(pull, "updated", true);
      expect(comments().map((c) => c.authorLogin)).toEqual(["mallory", "agent-runner-bot"]);
      expect(comments()[0]?.body).toContain("forged");
    });
  });
});
