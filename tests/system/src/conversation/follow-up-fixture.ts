import { expect } from "vitest";
import type { Sandbox } from "@agent-runner/github-sandbox";
import { formatA, parseExposition, sampleValue, waitFor } from "@agent-runner/test-kit";
import { POLLER_METRICS } from "@agent-runner/poller";
import type { Pipeline } from "../test-support/pipeline.js";

/** A dispatch issue and its target repository, made for one follow-up test. */
export interface SeededTask {
  readonly dispatch: string;
  readonly target: string;
  readonly taskId: string;
  readonly issue: number;
  /** The trace file the first run adds: every line of it is in the PR's diff. */
  readonly trace: string;
  readonly env: Record<string, string>;
}

/**
 * What the follow-up tests (conversation and inline review comments) share: a task seeded in the
 * local GitHub with a trusted reviewer, reads of its one PR, and the promise checked after each test.
 */
export class FollowUpFixture {
  constructor(
    private readonly sandbox: Sandbox,
    /** Names the test's repositories and task ids apart from other files' (they share no sandbox, but logs read better). */
    private readonly tag: string,
    /** A collaborator of every target repository: trusted by association, and not the runner's own login. */
    readonly reviewer: string,
  ) {}

  async seed(suffix: string): Promise<SeededTask> {
    const { sandbox, tag } = this;
    const dispatch = `dispatch-${tag}-${suffix}`;
    const target = `target-${tag}-${suffix}`;
    const taskId = `follow-up-${tag}-${suffix}-1`;
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target, files: { "README.md": "# target\n" }, collaborators: [this.reviewer] });
    const issue = sandbox.admin.createIssue("acme", dispatch, { title: "Follow me", body: formatA(taskId, `acme/${target}`), labels: ["copilot-agent"] });
    return {
      dispatch,
      target,
      taskId,
      issue: issue.number,
      trace: `agent-tasks/${taskId.slice(0, 8)}.md`,
      env: { DISPATCH_REPO: `acme/${dispatch}`, FULL_SWEEP_INTERVAL_SECONDS: "1", FOLLOW_UP_POLL_INTERVAL_SECONDS: "1" },
    };
  }

  pulls(s: SeededTask) {
    return this.sandbox.admin.listPulls("acme", s.target);
  }

  thePull(s: SeededTask) {
    const [pull] = this.pulls(s);
    if (pull === undefined) throw new Error("the task has no PR");
    return pull;
  }

  processed(s: SeededTask): boolean {
    return this.sandbox.admin.getIssue("acme", s.dispatch, s.issue)?.labels.some((l) => l.name === "processed") ?? false;
  }

  pullComments(s: SeededTask) {
    return this.sandbox.admin.listComments("acme", s.target, this.thePull(s).number);
  }

  /** The runner's comments on the PR. */
  replies(s: SeededTask) {
    return this.pullComments(s).filter((c) => c.user.login === this.sandbox.users.owner);
  }

  commits(s: SeededTask) {
    return this.sandbox.admin.commitCount("acme", s.target, this.thePull(s).head.ref);
  }

  static tasksDone(p: Pipeline): number {
    return p.logs.text().match(/"msg":"task done"/g)?.length ?? 0;
  }

  /** How many follow-ups the poller queued, by the path that saw them first. */
  static async queued(p: Pipeline, path: "event" | "poll"): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${p.poller?.ops.port ?? 0}/metrics`);
    return sampleValue(parseExposition(await response.text()), POLLER_METRICS.followUps.name, { outcome: "queued", path }) ?? 0;
  }

  async firstRunDone(s: SeededTask, p: Pipeline): Promise<number> {
    await waitFor(() => this.processed(s) && FollowUpFixture.tasksDone(p) === 1, 60_000, "the first run done");
    return this.commits(s);
  }

  /** The promise of the feature, checked after every test: one PR per task, no comment said twice. */
  expectInvariants(s: SeededTask): void {
    expect(this.pulls(s)).toHaveLength(1);
    for (const comments of [this.pullComments(s), this.sandbox.admin.listComments("acme", s.dispatch, s.issue)]) {
      const runner = comments.filter((c) => c.user.login === this.sandbox.users.owner).map((c) => c.body);
      expect(new Set(runner).size).toBe(runner.length);
    }
  }
}
