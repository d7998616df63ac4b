import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { followUpMarker, sleep } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { waitFor } from "@agent-runner/test-kit";
import { TraceTaskHandler, type ChangeTask, type ChangeWorkspace, type TaskHandler } from "@agent-runner/worker";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";
import { FollowUpFixture, type SeededTask } from "./follow-up-fixture.js";

// Built at run time so no secret-shaped literal sits in the repository.
const SECRET = ["webhook", "secret", randomUUID()].join("-");
/** A collaborator of every target repository: trusted by association, and not the runner's own login. */
const REVIEWER = "rita-reviewer";

/** The trace handler, but a change step whose instruction says `[slow]` waits until the test lets it go. */
class GatedTrace implements TaskHandler {
  readonly name = "trace";
  readonly traceIsTheChange = true;
  readonly instructions: string[] = [];
  active = 0;
  maxActive = 0;
  private release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  private readonly trace = new TraceTaskHandler();

  open(): void {
    this.release();
  }

  async apply(workspace: ChangeWorkspace, task: ChangeTask) {
    this.instructions.push(task.instruction);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (task.instruction.includes("[slow]")) await this.gate;
      return await this.trace.apply(workspace, task);
    } finally {
      this.active--;
    }
  }
}

describe("follow-ups on the task's pull request", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let queue: Queue | undefined;
  let f: FollowUpFixture;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    sandbox.admin.createUser({ login: REVIEWER, token: false });
    f = new FollowUpFixture(sandbox, "fu", REVIEWER);
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

  const review = (s: SeededTask, body: string, user = REVIEWER) => sandbox.admin.createComment("acme", s.target, f.thePull(s).number, { body, user });

  it("through polling, adds one commit and one reply to the same PR for a trusted reviewer's follow-up, and nothing for an outsider's", async () => {
    const s = await f.seed("poll");
    pipeline = await startPipeline({ sandbox, env: s.env });
    const p = pipeline;
    const before = await f.firstRunDone(s, p);

    review(s, "/agent Please also mention the changelog.", sandbox.users.outsider);
    // Three polls (one a second) read the outsider's comment.
    await sleep(3_000);
    expect(f.replies(s)).toEqual([]);
    expect(await f.commits(s)).toBe(before);

    const asked = review(s, "/agent Please also mention the changelog.\n\nAnd keep it short.");
    await waitFor(() => f.replies(s).length === 1, 60_000, "the reply to the follow-up");
    const [reply] = f.replies(s);
    expect(reply?.body).toContain(followUpMarker(s.taskId, asked.id));
    expect(reply?.body).toContain("Pushed");
    expect(await f.commits(s)).toBe(before + 1);
    const trace = await sandbox.admin.readFile("acme", s.target, f.thePull(s).head.ref, `agent-tasks/${s.taskId.slice(0, 8)}.md`);
    expect(trace).toContain("Please also mention the changelog.\n\nAnd keep it short.");
    expect(f.thePull(s).state).toBe("open");
    expect(await FollowUpFixture.queued(p, "poll")).toBe(1);
    // Nothing more happens on later polls: the comment was claimed once.
    await sleep(2_500);
    expect(FollowUpFixture.tasksDone(p)).toBe(2);
    expect(f.replies(s)).toHaveLength(1);
    f.expectInvariants(s);
  });

  it("through a webhook delivery alone (polls an hour apart), runs the follow-up and replies once", async () => {
    const s = await f.seed("hook");
    pipeline = await startPipeline({
      sandbox,
      env: { ...s.env, GITHUB_WEBHOOK_SECRET: SECRET, WEBHOOK_PORT: "0", POLL_INTERVAL_SECONDS: "3600", WEBHOOK_POLL_INTERVAL_SECONDS: "3600" },
    });
    const p = pipeline;
    const url = p.poller?.webhooks?.url;
    if (url === undefined) throw new Error("the poller runs no webhook receiver");
    // The start-up sweep finds the task; the next poll is an hour away.
    const before = await f.firstRunDone(s, p);
    sandbox.admin.setWebhook({ url, secret: SECRET });

    review(s, "/agent Also add a line for the reviewers.", sandbox.users.outsider);
    const asked = review(s, "/agent Also add a line for the reviewers.");
    await sandbox.admin.flushWebhooks();
    await waitFor(() => f.replies(s).length === 1, 60_000, "the reply to the follow-up");
    expect(f.replies(s)[0]?.body).toContain(followUpMarker(s.taskId, asked.id));
    expect(await f.commits(s)).toBe(before + 1);
    await sandbox.admin.flushWebhooks();
    // The outsider's comment, the reviewer's and the runner's own reply: each accepted, one acted on.
    expect(sandbox.admin.deliveries().filter((d) => d.event === "issue_comment" && d.repository === `acme/${s.target}`).map((d) => d.status)).toEqual([202, 202, 202]);
    expect(await FollowUpFixture.queued(p, "event")).toBe(1);
    expect(await FollowUpFixture.queued(p, "poll")).toBe(0);
    await sleep(1_500);
    expect(FollowUpFixture.tasksDone(p)).toBe(2);
    f.expectInvariants(s);
  });

  it("runs a follow-up that both a webhook delivery and a poll see exactly once", async () => {
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

    review(s, "/agent Rename the heading.");
    await waitFor(() => f.replies(s).length === 1, 60_000, "the reply to the follow-up");
    await sandbox.admin.flushWebhooks();
    await sleep(3_000);
    queue = new Queue("tasks", { connection: p.redis.duplicate(), prefix: p.prefix });
    expect(await queue.getJob(`${s.taskId}#2`)).toBeDefined();
    expect(await queue.getJob(`${s.taskId}#3`)).toBeUndefined();
    expect(FollowUpFixture.tasksDone(p)).toBe(2);
    expect(await f.commits(s)).toBe(before + 1);
    expect(f.replies(s)).toHaveLength(1);
    expect((await FollowUpFixture.queued(p, "event")) + (await FollowUpFixture.queued(p, "poll"))).toBe(1);
    f.expectInvariants(s);
  });

  it("runs a follow-up posted while the task's previous run is still working after that run, on the same PR", async () => {
    const s = await f.seed("busy");
    const handler = new GatedTrace();
    pipeline = await startPipeline({ sandbox, env: s.env, workerOverrides: { handler } });
    const p = pipeline;
    const before = await f.firstRunDone(s, p);

    review(s, "/agent [slow] First, restructure the file.");
    await waitFor(() => handler.active === 1, 60_000, "the first follow-up's run working");
    review(s, "/agent Then add a summary.");
    // Several polls see the second follow-up while the first one's run still works: it waits.
    await sleep(3_000);
    expect(handler.instructions).toHaveLength(2);
    handler.open();

    await waitFor(() => f.replies(s).length === 2, 60_000, "a reply to each follow-up");
    expect(handler.maxActive).toBe(1);
    expect(handler.instructions.slice(1)).toEqual(["[slow] First, restructure the file.", "Then add a summary."]);
    expect(await f.commits(s)).toBe(before + 2);
    expect(f.replies(s).every((c) => c.body.includes("Pushed"))).toBe(true);
    f.expectInvariants(s);
  });

  it("opens nothing and pushes nothing for a follow-up on a PR that was closed, and says so once", async () => {
    const s = await f.seed("closed");
    pipeline = await startPipeline({ sandbox, env: s.env });
    const p = pipeline;
    const before = await f.firstRunDone(s, p);
    sandbox.admin.closePull("acme", s.target, f.thePull(s).number);

    review(s, "/agent One more thing.");
    await waitFor(() => f.replies(s).length === 1, 60_000, "the reply on the closed PR");
    expect(f.replies(s)[0]?.body).toContain("is closed");
    await sleep(2_500);
    expect(f.replies(s)).toHaveLength(1);
    expect(FollowUpFixture.tasksDone(p)).toBe(1);
    expect(await f.commits(s)).toBe(before);
    expect(f.thePull(s).state).toBe("closed");
    f.expectInvariants(s);
  });
});
