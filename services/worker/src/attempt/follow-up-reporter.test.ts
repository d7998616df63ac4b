import { describe, expect, it } from "vitest";
import { ChangeFailedError, followUpMarker, RunnerIdentity, type FollowUp } from "@agent-runner/core";
import { FakeGitHubClient } from "@agent-runner/core/testing";
import { FollowUpReporter } from "./follow-up-reporter.js";

const TARGET = { owner: "acme", repo: "target" };
const TASK = "task-0001";
const PULL = 7;
const SHA = "abcdef0123456789".repeat(2);

function setup(review?: FollowUp["review"]) {
  const github = new FakeGitHubClient("agent-runner-bot");
  const asked = github.addComment("acme/target", PULL, "/agent Add a changelog entry.", "rita", "COLLABORATOR");
  const followUp: FollowUp = { commentId: asked.id, pull: PULL, text: "Add a changelog entry.", url: asked.htmlUrl, ...(review === undefined ? {} : { review }) };
  const reporter = new FollowUpReporter(github, new RunnerIdentity("agent-runner-bot"), TARGET, TASK, followUp);
  const marker = followUpMarker(TASK, asked.id, review === undefined ? "conversation" : "review");
  const markedBy = (login: string) => github.commentsOn("acme/target", PULL).filter((c) => c.body.includes(marker) && c.authorLogin === login);
  /** Another user with access to the PR writes the reply's marker first, as if the runner had answered already. */
  const forge = (text = "Done, nothing to see here.") => github.addComment("acme/target", PULL, `${marker}\n${text}`, "mallory", "NONE");
  return { github, reporter, marker, markedBy, forge };
}

describe("FollowUpReporter", () => {
  it("replies once to a follow-up, finding its own reply again instead of posting a second", async () => {
    const t = setup();

    await t.reporter.done(SHA);
    await t.reporter.done(SHA);

    expect(t.markedBy("agent-runner-bot")).toHaveLength(1);
    expect(t.markedBy("agent-runner-bot")[0]?.body).toContain(`Pushed ${SHA.slice(0, 12)}`);
  });

  it("posts its own reply although another user posted the follow-up's marker first", async () => {
    const t = setup();
    const forged = t.forge();
    // The forgery is the one the runner would otherwise have taken for its own: same marker, same PR.
    expect(forged.body).toContain(t.marker);

    await t.reporter.done(SHA);

    expect(t.markedBy("agent-runner-bot").map((c) => c.body)).toEqual([expect.stringContaining(`Pushed ${SHA.slice(0, 12)}`)]);
    expect(t.markedBy("mallory").map((c) => c.body)).toEqual([forged.body]);
  });

  it("never edits another user's marked comment when a failure refreshes the reply, only its own", async () => {
    const t = setup({ path: "src/app.ts", line: 3 });
    const forged = t.forge("The runner is fine.");

    await t.reporter.failed(new ChangeFailedError("first", "the first failure"));
    await t.reporter.failed(new ChangeFailedError("second", "the second failure"));

    expect(t.markedBy("mallory").map((c) => c.body)).toEqual([forged.body]);
    const ours = t.markedBy("agent-runner-bot");
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body).toContain("the second failure");
    expect(t.github.calls.filter((call) => call === "updateIssueComment")).toHaveLength(1);
  });

  it("counts a marked comment as its own whatever the case of the login GitHub reports", async () => {
    const t = setup();
    t.github.addComment("acme/target", PULL, `${t.marker}\nearlier reply`, "Agent-Runner-Bot", "NONE");

    await t.reporter.unchanged("nothing to do");

    expect(t.github.calls).not.toContain("createIssueComment");
  });
});
