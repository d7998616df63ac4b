import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { followUpMarker, sleep } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";
import { FollowUpFixture, type SeededTask } from "./follow-up-fixture.js";

// Built at run time so no secret-shaped literal sits in the repository.
const SECRET = ["webhook", "secret", randomUUID()].join("-");
/** A collaborator of every target repository: trusted by association, and not the runner's own login. */
const REVIEWER = "rhea-reviewer";

describe("follow-ups in inline review comments on the task's pull request", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let queue: Queue | undefined;
  let f: FollowUpFixture;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    sandbox.admin.createUser({ login: REVIEWER, token: false });
    f = new FollowUpFixture(sandbox, "rc", REVIEWER);
  });

  afterEach(async () => {
    sandbox.admin.setWebhook(null);
    await queue?.close();
    queue = undefined;
    await pipeline?.close();
    pipeline = undefined;
    expect(sandbox.admin.violations()).toEqual([]);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  /** A comment on line 1 of the trace file in the PR's diff. */
  const inline = (s: SeededTask, body: string, user = REVIEWER) =>
    sandbox.admin.createReviewComment("acme", s.target, f.thePull(s).number, { body, path: s.trace, line: 1, user });

  function expectInvariants(s: SeededTask): void {
    f.expectInvariants(s);
    // The runner answers in the PR's conversation, never on the diff.
    expect(sandbox.admin.listReviewComments("acme", s.target, f.thePull(s).number).filter((c) => c.user.login === sandbox.users.owner)).toEqual([]);
  }

  it("through polling, adds one commit and one reply to the same PR for a trusted reviewer's inline comment, naming its file and line, and nothing for an outsider's", async () => {
    const s = await f.seed("poll");
    pipeline = await startPipeline({ sandbox, env: s.env });
    const p = pipeline;
    const before = await f.firstRunDone(s, p);

    inline(s, "/agent Say who asked for this.", sandbox.users.outsider);
    // Three polls (one a second) read the outsider's comment.
    await sleep(3_000);
    expect(f.replies(s)).toEqual([]);
    expect(await f.commits(s)).toBe(before);

    const asked = inline(s, "/agent Say who asked for this.\n\nOne line is enough.");
    await waitFor(() => f.replies(s).length === 1, 60_000, "the reply to the inline follow-up");
    const [reply] = f.replies(s);
    expect(reply?.body).toContain(followUpMarker(s.taskId, asked.id, "review"));
    expect(reply?.body).toContain("Pushed");
    expect(reply?.body).toContain(asked.html_url);
    expect(await f.commits(s)).toBe(before + 1);
    const trace = await sandbox.admin.readFile("acme", s.target, f.thePull(s).head.ref, s.trace);
    expect(trace).toContain(`Review comment on \`${s.trace}\` line 1 of the pull request's diff:\n\nSay who asked for this.\n\nOne line is enough.`);
    expect(f.thePull(s).state).toBe("open");
    expect(await FollowUpFixture.queued(p, "poll")).toBe(1);
    // Nothing more happens on later polls: the comment was claimed once.
    await sleep(2_500);
    expect(FollowUpFixture.tasksDone(p)).toBe(2);
    expect(f.replies(s)).toHaveLength(1);
    expectInvariants(s);
  });

  it("through a webhook delivery alone (polls an hour apart), runs the inline follow-up and replies once", async () => {
    const s = await f.seed("hook");
    pipeline = await startPipeline({
      sandbox,
      env: { ...s.env, GITHUB_WEBHOOK_SECRET: SECRET, WEBHOOK_PORT: "0", POLL_INTERVAL_SECONDS: "3600", WEBHOOK_POLL_INTERVAL_SECONDS: "3600", FOLLOW_UP_POLL_INTERVAL_SECONDS: "3600" },
    });
    const p = pipeline;
    const url = p.poller?.webhooks?.url;
    if (url === undefined) throw new Error("the poller runs no webhook receiver");
    // The start-up sweep finds the task; the next poll is an hour away.
    const before = await f.firstRunDone(s, p);
    sandbox.admin.setWebhook({ url, secret: SECRET });

    inline(s, "/agent Add a line for the reviewers.", sandbox.users.outsider);
    const asked = inline(s, "/agent Add a line for the reviewers.");
    await sandbox.admin.flushWebhooks();
    await waitFor(() => f.replies(s).length === 1, 60_000, "the reply to the inline follow-up");
    expect(f.replies(s)[0]?.body).toContain(followUpMarker(s.taskId, asked.id, "review"));
    expect(await f.commits(s)).toBe(before + 1);
    await sandbox.admin.flushWebhooks();
    // The outsider's comment and the reviewer's: both accepted, one acted on.
    const deliveries = sandbox.admin.deliveries().filter((d) => d.event === "pull_request_review_comment" && d.repository === `acme/${s.target}`);
    expect(deliveries.map((d) => d.status)).toEqual([202, 202]);
    expect(await FollowUpFixture.queued(p, "event")).toBe(1);
    expect(await FollowUpFixture.queued(p, "poll")).toBe(0);
    await sleep(1_500);
    expect(FollowUpFixture.tasksDone(p)).toBe(2);
    expectInvariants(s);
  });

  it("runs an inline follow-up that both a webhook delivery and a poll see exactly once", async () => {
    const s = await f.seed("both");
    pipeline = await startPipeline({
      sandbox,
      env: { ...s.env, GITHUB_WEBHOOK_SECRET: SECRET, WEBHOOK_PORT: "0", POLL_INTERVAL_SECONDS: "1", WEBHOOK_POLL_INTERVAL_SECONDS: "1" },
    });
    const p = pipeline;
    const url = p.poller?.webhooks?.url;
    if (url === undefined) throw new Error("the poller runs no webhook receiver");
    sandbox.admin.setWebhook({ url, secret: SECRET });
    const before = await f.firstRunDone(s, p);

    const asked = inline(s, "/agent Rename the heading.");
    await waitFor(() => f.replies(s).length === 1, 60_000, "the reply to the inline follow-up");
    await sandbox.admin.flushWebhooks();
    // Three more polls list the comment again.
    await sleep(3_000);
    queue = new Queue("tasks", { connection: p.redis.duplicate(), prefix: p.prefix });
    expect((await queue.getJob(`${s.taskId}#2`))?.data.followUp).toMatchObject({ commentId: asked.id, review: { path: s.trace, line: 1 } });
    expect(await queue.getJob(`${s.taskId}#3`)).toBeUndefined();
    expect(FollowUpFixture.tasksDone(p)).toBe(2);
    expect(await f.commits(s)).toBe(before + 1);
    expect(f.replies(s)).toHaveLength(1);
    expect((await FollowUpFixture.queued(p, "event")) + (await FollowUpFixture.queued(p, "poll"))).toBe(1);
    expectInvariants(s);
  });
});
