import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type FaultSpec, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";
import { auditTasks, type DispatchedTask } from "../test-support/task-audit.js";

interface Target {
  readonly target: string;
  readonly issueNumber: number;
}

/** A route the services call, and the exact request path of one task's call to it. */
interface FaultedRoute {
  readonly name: string;
  readonly route: string;
  readonly path: (t: Target) => string;
  /** Extra faults that make the task reach this route at all (the PR and comment look-ups run only for work that pre-exists). */
  readonly setup?: (t: Target) => FaultSpec[];
}

const DISPATCH = "dispatch";
const git = (t: Target, tail: string): string => `/git/acme/${t.target}.git/${tail}`;
const issuePath = (t: Target, tail: string): string => `/repos/acme/${DISPATCH}/issues/${t.issueNumber}/${tail}`;

const ROUTES: readonly FaultedRoute[] = [
  { name: "get-repo", route: "GET /repos/{owner}/{repo}", path: (t) => `/repos/acme/${t.target}` },
  {
    name: "list-pulls",
    route: "GET /repos/{owner}/{repo}/pulls",
    path: (t) => `/repos/acme/${t.target}/pulls`,
    // The PR look-up runs when the branch already exists: a push whose answer was lost leaves one behind.
    setup: (t) => [{ route: "POST /git/{owner}/{repo}.git/git-receive-pack", path: git(t, "git-receive-pack"), status: 502, afterAction: true }],
  },
  { name: "create-pull", route: "POST /repos/{owner}/{repo}/pulls", path: (t) => `/repos/acme/${t.target}/pulls` },
  {
    name: "list-comments",
    route: "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
    path: (t) => issuePath(t, "comments"),
    setup: (t) => [{ route: "POST /repos/{owner}/{repo}/pulls", path: `/repos/acme/${t.target}/pulls`, status: 502, afterAction: true }],
  },
  { name: "create-comment", route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments", path: (t) => issuePath(t, "comments") },
  { name: "add-labels", route: "POST /repos/{owner}/{repo}/issues/{issue_number}/labels", path: (t) => issuePath(t, "labels") },
  { name: "upload-pack-refs", route: "GET /git/{owner}/{repo}.git/info/refs?service=git-upload-pack", path: (t) => git(t, "info/refs") },
  { name: "upload-pack", route: "POST /git/{owner}/{repo}.git/git-upload-pack", path: (t) => git(t, "git-upload-pack") },
  { name: "receive-pack-refs", route: "GET /git/{owner}/{repo}.git/info/refs?service=git-receive-pack", path: (t) => git(t, "info/refs") },
  { name: "receive-pack", route: "POST /git/{owner}/{repo}.git/git-receive-pack", path: (t) => git(t, "git-receive-pack") },
];

/** Every kind of failure, in this order, on one route: more than the in-request retries absorb. */
const FAILURES: ReadonlyArray<Pick<FaultSpec, "status" | "drop">> = [{ status: 500 }, { status: 502 }, { status: 503 }, { drop: true }];

describe("GitHub failing on every route the services call", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  let queue: Queue | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox();
    await sandbox.admin.createRepo({ owner: "acme", name: DISPATCH });
  });

  afterEach(async () => {
    await queue?.close();
    await pipeline?.close();
    queue = undefined;
    pipeline = undefined;
    sandbox.admin.clearFaults();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function dispatch(name: string): Promise<Target & DispatchedTask> {
    const target = `target-${name}`;
    await sandbox.admin.createRepo({ owner: "acme", name: target });
    const taskId = `${name}-task`;
    const issue = sandbox.admin.createIssue("acme", DISPATCH, {
      title: name,
      body: formatA(taskId, `acme/${target}`),
      labels: ["copilot-agent"],
    });
    return { target, issueNumber: issue.number, taskId };
  }

  function faultHits(route: string, path: string): number {
    return sandbox.admin.requestLog().filter((e) => e.route === route && e.path === path && e.fault !== undefined).length;
  }

  async function settled(p: Pipeline, taskIds: readonly string[], timeoutMs = 120_000): Promise<Queue> {
    queue = new Queue("tasks", { connection: p.redis, prefix: p.prefix });
    const q = queue;
    await waitFor(
      async () => {
        const states = await Promise.all(taskIds.map(async (id) => (await q.getJob(id))?.getState()));
        return states.every((s) => s === "completed" || s === "failed");
      },
      timeoutMs,
      "every job finished",
    );
    return q;
  }

  async function expectOneOfEach(tasks: ReadonlyArray<Target & DispatchedTask>): Promise<void> {
    for (const task of tasks) {
      const [audit] = await auditTasks(sandbox, { owner: "acme", dispatch: DISPATCH, target: task.target }, [task]);
      expect(audit, task.taskId).toMatchObject({ pulls: 1, doneComments: 1, failedComments: 0, processed: true });
      expect(audit?.branches, task.taskId).toHaveLength(1);
      expect(sandbox.admin.listComments("acme", DISPATCH, task.issueNumber), task.taskId).toHaveLength(1);
    }
  }

  it("ends each task with one PR and one comment when each route answers 500, 502, 503 and then drops the connection", async () => {
    const tasks = await Promise.all(ROUTES.map((r) => dispatch(r.name)));
    const listIssues = { route: "GET /repos/{owner}/{repo}/issues", path: `/repos/acme/${DISPATCH}/issues` };
    for (const failure of FAILURES) sandbox.admin.injectFault({ ...listIssues, ...failure });
    ROUTES.forEach((route, i) => {
      const task = tasks[i] as Target;
      for (const extra of route.setup?.(task) ?? []) sandbox.admin.injectFault(extra);
      for (const failure of FAILURES) sandbox.admin.injectFault({ route: route.route, path: route.path(task), ...failure });
    });
    pipeline = await startPipeline({ sandbox, workers: 2, env: { DISPATCH_REPO: `acme/${DISPATCH}`, TASK_ATTEMPTS: "10" } });
    await settled(pipeline, tasks.map((t) => t.taskId), 180_000);

    expect(faultHits(listIssues.route, listIssues.path)).toBe(FAILURES.length);
    ROUTES.forEach((route, i) => {
      expect(faultHits(route.route, route.path(tasks[i] as Target)), route.name).toBe(FAILURES.length);
    });
    await expectOneOfEach(tasks);
  });

  it("never repeats a write whose response was lost (502 or dropped after GitHub acted)", async () => {
    const writes = [
      { name: "lost-pull", route: "POST /repos/{owner}/{repo}/pulls", path: (t: Target) => `/repos/acme/${t.target}/pulls` },
      { name: "lost-comment", route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments", path: (t: Target) => issuePath(t, "comments") },
      { name: "lost-label", route: "POST /repos/{owner}/{repo}/issues/{issue_number}/labels", path: (t: Target) => issuePath(t, "labels") },
    ];
    const cases = writes.flatMap((w) => [
      { ...w, name: `${w.name}-502`, fault: { status: 502 } },
      { ...w, name: `${w.name}-drop`, fault: { drop: true } },
    ]);
    const tasks = await Promise.all(cases.map((c) => dispatch(c.name)));
    cases.forEach((c, i) => {
      sandbox.admin.injectFault({ route: c.route, path: c.path(tasks[i] as Target), afterAction: true, ...c.fault });
    });
    pipeline = await startPipeline({ sandbox, workers: 2, env: { DISPATCH_REPO: `acme/${DISPATCH}`, TASK_ATTEMPTS: "10" } });
    await settled(pipeline, tasks.map((t) => t.taskId));

    cases.forEach((c, i) => expect(faultHits(c.route, c.path(tasks[i] as Target)), c.name).toBe(1));
    await expectOneOfEach(tasks);
  });

  it("fails a refused push (403) at once with one clear comment, and retries a push that failed transiently", async () => {
    const refusedRefs = await dispatch("push-403-refs");
    const refusedPack = await dispatch("push-403-pack");
    const flaky = await dispatch("push-flaky");
    const exhausted = await dispatch("push-down");
    sandbox.admin.injectFault({ route: "GET /git/{owner}/{repo}.git/info/refs?service=git-receive-pack", path: git(refusedRefs, "info/refs"), status: 403, count: Infinity });
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", path: git(refusedPack, "git-receive-pack"), status: 403, count: Infinity });
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", path: git(flaky, "git-receive-pack"), status: 500 });
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", path: git(flaky, "git-receive-pack"), drop: true });
    sandbox.admin.injectFault({ route: "POST /git/{owner}/{repo}.git/git-receive-pack", path: git(exhausted, "git-receive-pack"), status: 500, count: Infinity });
    pipeline = await startPipeline({ sandbox, env: { DISPATCH_REPO: `acme/${DISPATCH}`, TASK_ATTEMPTS: "3" } });
    const q = await settled(pipeline, [refusedRefs, refusedPack, flaky, exhausted].map((t) => t.taskId));
    // Give a wrongly scheduled retry time to show itself.
    await new Promise((r) => setTimeout(r, 1_500));

    for (const refused of [refusedRefs, refusedPack]) {
      const job = await q.getJob(refused.taskId);
      expect(await job?.getState(), refused.taskId).toBe("failed");
      expect(job?.attemptsMade, "a permanent failure is not retried").toBe(1);
      const comments = sandbox.admin.listComments("acme", DISPATCH, refused.issueNumber);
      expect(comments, refused.taskId).toHaveLength(1);
      expect(comments[0]?.body).toContain(`agent-runner:failed {"task_id":"${refused.taskId}"}`);
      expect(comments[0]?.body).toMatch(/push/i);
      expect(comments[0]?.body).toContain("403");
      expect(sandbox.admin.listPulls("acme", refused.target)).toEqual([]);
    }
    expect(faultHits("POST /git/{owner}/{repo}.git/git-receive-pack", git(refusedPack, "git-receive-pack"))).toBe(1);

    await expectOneOfEach([flaky]);
    expect(faultHits("POST /git/{owner}/{repo}.git/git-receive-pack", git(flaky, "git-receive-pack"))).toBe(2);

    const down = await q.getJob(exhausted.taskId);
    expect(await down?.getState()).toBe("failed");
    expect(down?.attemptsMade).toBe(3);
    const downComments = sandbox.admin.listComments("acme", DISPATCH, exhausted.issueNumber);
    expect(downComments).toHaveLength(1);
    expect(downComments[0]?.body).toContain(`agent-runner:failed {"task_id":"${exhausted.taskId}"}`);
  });
});
