import { describe, expect, it } from "vitest";
import { FakeGitHubClient } from "../testing/fake-github-client.js";
import { MemoryOwnCommentTally } from "../testing/memory-own-comment-tally.js";
import { countingOwnComments, type OwnCommentTally } from "./own-comment-tally.js";

const dispatch = { owner: "acme", repo: "dispatch" };

describe("countingOwnComments", () => {
  it("counts each comment created on a dispatch issue, and none on other repositories", async () => {
    const fake = new FakeGitHubClient();
    const tally = new MemoryOwnCommentTally();
    const github = countingOwnComments(fake, tally, dispatch, () => undefined);
    await github.createIssueComment({ owner: "Acme", repo: "Dispatch" }, 7, "PR opened");
    await github.createIssueComment(dispatch, 7, "again");
    await github.createIssueComment({ owner: "acme", repo: "target" }, 7, "on a PR");
    expect(await tally.count(7)).toBe(2);
    expect(fake.commentsOn("acme/target", 7)).toHaveLength(1);
  });

  it("counts nothing when GitHub refused the comment", async () => {
    const fake = new FakeGitHubClient();
    fake.createIssueComment = () => Promise.reject(new Error("502"));
    const tally = new MemoryOwnCommentTally();
    const github = countingOwnComments(fake, tally, dispatch, () => undefined);
    await expect(github.createIssueComment(dispatch, 7, "x")).rejects.toThrow("502");
    expect(await tally.count(7)).toBe(0);
  });

  it("returns the comment and reports, never throws, when the tally cannot count it", async () => {
    const fake = new FakeGitHubClient();
    const broken: OwnCommentTally = { add: () => Promise.reject(new Error("Redis down")), count: () => Promise.resolve(0) };
    const reported: unknown[] = [];
    const github = countingOwnComments(fake, broken, dispatch, (error) => reported.push(error));
    const comment = await github.createIssueComment(dispatch, 7, "PR opened");
    expect(comment.body).toBe("PR opened");
    expect(reported).toHaveLength(1);
  });

  it("passes every other method through to the client it wraps", async () => {
    const fake = new FakeGitHubClient();
    fake.addRepo("acme/target");
    const github = countingOwnComments(fake, new MemoryOwnCommentTally(), dispatch, () => undefined);
    expect(await github.getRepo({ owner: "acme", repo: "target" })).toMatchObject({ kind: "found" });
    expect(fake.calls).toEqual(["getRepo"]);
  });
});
