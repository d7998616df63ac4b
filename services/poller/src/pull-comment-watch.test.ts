import { describe, expect, it } from "vitest";
import { createLogger } from "@agent-runner/runtime";
import type { ListCommentsOptions, ListRepoCommentsResult, ListRepoReviewCommentsResult, RepoRef } from "@agent-runner/core";
import { FakeGitHubClient, MemoryTaskRuns } from "@agent-runner/core/testing";
import type { FollowUpCandidate, FollowUps } from "./follow-ups.js";
import { PullCommentWatch } from "./pull-comment-watch.js";

/** Records every listing the watch asks for, answering from the fake. */
class ListingGitHub extends FakeGitHubClient {
  readonly asked: { repo: string; options: ListCommentsOptions }[] = [];

  override async listRepoIssueComments(repo: RepoRef, options: ListCommentsOptions = {}): Promise<ListRepoCommentsResult> {
    this.asked.push({ repo: `${repo.owner}/${repo.repo}`, options });
    return super.listRepoIssueComments(repo, options);
  }

  readonly askedReview: { repo: string; options: ListCommentsOptions }[] = [];
  readonly reviewAnswers: string[] = [];

  override async listRepoReviewComments(repo: RepoRef, options: ListCommentsOptions = {}): Promise<ListRepoReviewCommentsResult> {
    this.askedReview.push({ repo: `${repo.owner}/${repo.repo}`, options });
    const answer = await super.listRepoReviewComments(repo, options);
    this.reviewAnswers.push(answer.status);
    return answer;
  }
}

async function setup() {
  const github = new ListingGitHub();
  const runs = new MemoryTaskRuns();
  const seen: FollowUpCandidate[] = [];
  let resumed = 0;
  const followUps = {
    consider: async (candidates: readonly FollowUpCandidate[]) => {
      seen.push(...candidates);
      return 0;
    },
    resume: async () => {
      resumed++;
    },
  } as unknown as FollowUps;
  let now = Date.parse("2026-03-01T12:00:00Z");
  const log = createLogger({ level: "silent", service: "test", secrets: [] });
  const watchEvery = (lookIntervalMs: number) => new PullCommentWatch({ github, runs, followUps, lookIntervalMs, log, now: () => now });
  const watch = watchEvery(60_000);
  const advance = (ms: number) => {
    now += ms;
  };
  return { github, runs, seen, watch, watchEvery, advance, resumed: () => resumed };
}

describe("the poll's look at the tasks' target repositories", () => {
  it("asks once per target repository of a tracked task, from a look-back window, and passes the comments on", async () => {
    const t = await setup();
    await t.runs.track("a", 1);
    await t.runs.setTarget("a", "acme/web");
    await t.runs.track("b", 2);
    await t.runs.setTarget("b", "acme/web");
    await t.runs.setTarget("gone", "acme/old");
    t.github.addComment("acme/web", 7, "/agent more", "rita", "COLLABORATOR");
    await t.watch.poll();
    expect(t.github.asked).toEqual([{ repo: "acme/web", options: { since: "2026-03-01T06:00:00.000Z", etag: undefined } }]);
    expect(t.seen.map((c) => [c.repo.repo, c.issueNumber, c.comment.body])).toEqual([["web", 7, "/agent more"]]);
    expect(t.resumed()).toBe(1);
  });

  it("asks again with the ETag it got, so an idle repository costs a 304 and nothing is read twice", async () => {
    const t = await setup();
    await t.runs.track("a", 1);
    await t.runs.setTarget("a", "acme/web");
    t.github.addComment("acme/web", 7, "/agent more", "rita", "COLLABORATOR");
    await t.watch.poll();
    t.advance(60_000);
    await t.watch.poll();
    const [first, second] = t.github.asked;
    expect(second?.options.etag).toBeDefined();
    expect(second?.options.since).toBe(first?.options.since);
    expect(t.seen).toHaveLength(1);
  });

  it("keeps looking at the other repositories when one fails", async () => {
    const t = await setup();
    for (const [task, repo] of [["a", "acme/one"], ["b", "acme/two"]] as const) {
      await t.runs.track(task, 1);
      await t.runs.setTarget(task, repo);
    }
    t.github.failures.set("listRepoIssueComments", [new Error("502")]);
    t.github.addComment("acme/two", 3, "/agent more", "rita", "COLLABORATOR");
    await t.watch.poll();
    expect(t.seen.map((c) => c.repo.repo)).toEqual(["two"]);
  });

  it("looks at the repositories at most once per interval, and starts waiting follow-ups at every poll", async () => {
    const t = await setup();
    await t.runs.track("a", 1);
    await t.runs.setTarget("a", "acme/web");
    await t.watch.poll();
    t.advance(59_000);
    await t.watch.poll();
    expect(t.github.asked).toHaveLength(1);
    t.advance(1_000);
    await t.watch.poll();
    expect(t.github.asked).toHaveLength(2);
    expect(t.resumed()).toBe(3);
  });

  it("never lists comments when follow-ups come from webhooks only (interval 0)", async () => {
    const t = await setup();
    await t.runs.track("a", 1);
    await t.runs.setTarget("a", "acme/web");
    const watch = t.watchEvery(0);
    await watch.poll();
    t.advance(3_600_000);
    await watch.poll();
    expect(t.github.asked).toEqual([]);
    expect(t.resumed()).toBe(2);
  });

  it("lists the inline review comments of each repository too, in a window of its own, passing their file and line on", async () => {
    const t = await setup();
    await t.runs.track("a", 1);
    await t.runs.setTarget("a", "acme/web");
    t.github.addReviewComment("acme/web", 7, "/agent rename this", { path: "src/app.ts", line: 4 }, "rita", "COLLABORATOR");
    t.github.addReviewComment("acme/web", 7, "/agent split this file", { path: "src/big.ts" }, "rita", "COLLABORATOR");
    await t.watch.poll();
    expect(t.github.askedReview).toEqual([{ repo: "acme/web", options: { since: "2026-03-01T06:00:00.000Z", etag: undefined } }]);
    expect(t.seen.map((c) => [c.issueNumber, c.comment.body, c.review])).toEqual([
      [7, "/agent split this file", { path: "src/big.ts" }],
      [7, "/agent rename this", { path: "src/app.ts", line: 4 }],
    ]);
    t.advance(60_000);
    await t.watch.poll();
    // Nothing changed: the review listing is asked with its ETag and answers 304, and nothing is passed on twice.
    expect(t.github.askedReview[1]?.options.etag).toBeDefined();
    expect(t.github.reviewAnswers).toEqual(["modified", "not_modified"]);
    expect(t.seen).toHaveLength(2);
  });
});
