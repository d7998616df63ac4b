import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, formatB, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

describe("the pipeline against the sandbox, real Redis and nodegit", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
  });

  afterEach(async () => {
    await pipeline?.close();
    pipeline = undefined;
    expect(sandbox.admin.violations()).toEqual([]);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function seed(suffix: string, defaultBranch = "main") {
    const dispatch = `dispatch-${suffix}`;
    const target = `target-${suffix}`;
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target, defaultBranch, files: { "README.md": "# target\n" } });
    return { dispatch, target, env: { DISPATCH_REPO: `acme/${dispatch}` } };
  }

  function donePull(target: string, count = 1) {
    return waitFor(
      () => {
        const pulls = sandbox.admin.listPulls("acme", target);
        return pulls.length >= count ? pulls : undefined;
      },
      90_000,
      `${count} PR(s) in ${target}`,
    );
  }

  function processed(dispatch: string, issue: number) {
    return waitFor(
      () => sandbox.admin.getIssue("acme", dispatch, issue)?.labels.some((l) => l.name === "processed"),
      90_000,
      `issue #${issue} labelled processed`,
    );
  }

  it("turns a smoke-test-format issue into exactly one PR, one comment with its URL and the processed label", async () => {
    const repos = await seed("a");
    const issue = sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "Test agent task",
      body: formatA("test-task-12345678", `acme/${repos.target}`),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, env: repos.env });
    await processed(repos.dispatch, issue.number);
    const [pull] = sandbox.admin.listPulls("acme", repos.target);
    expect(pull?.head.ref).toBe("agent-task-test-tas");
    expect(pull?.base.ref).toBe("main");
    expect(pull?.title).toBe("Agent task: Test agent task");
    expect(pull?.body).toContain('<!-- agent_task_metadata {"task_id":"test-task-12345678"} -->');
    expect(pull?.body).toContain(`Fixes acme/${repos.dispatch}#${issue.number}`);
    const trace = await sandbox.admin.readFile("acme", repos.target, "agent-task-test-tas", "agent-tasks/test-tas.md");
    expect(trace).toContain("Create a simple test file.");
    expect(trace).not.toContain("Target Repository");
    const comments = sandbox.admin.listComments("acme", repos.dispatch, issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(pull?.html_url);
  });

  it("reads the producer's format (CRLF, plural Instructions, **Target:** line) and lands the PR in its target", async () => {
    const repos = await seed("b");
    const taskId = "5f0c6a8e-3c1d-4c59-9d7e-0a1b2c3d4e5f";
    const issue = sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "Delegated",
      body: formatB(taskId, `acme/${repos.target}`, "Say hello in HELLO.md"),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, env: repos.env });
    const [pull] = await donePull(repos.target);
    expect(pull?.head.ref).toBe("agent-task-5f0c6a8e");
    const trace = await sandbox.admin.readFile("acme", repos.target, "agent-task-5f0c6a8e", "agent-tasks/5f0c6a8e.md");
    expect(trace).toContain("Say hello in HELLO.md");
    await processed(repos.dispatch, issue.number);
    expect(sandbox.admin.listPulls("acme", repos.dispatch)).toHaveLength(0);
  });

  it("gives two tasks sharing an 8-character prefix their own branches and PRs", async () => {
    const repos = await seed("c");
    for (const id of ["smoke-test-AAAA", "smoke-test-BBBB"]) {
      sandbox.admin.createIssue("acme", repos.dispatch, {
        title: id,
        body: formatA(id, `acme/${repos.target}`),
        labels: ["copilot-agent"],
      });
    }
    pipeline = await startPipeline({ sandbox, env: { ...repos.env, WORKER_CONCURRENCY: "1" } });
    const pulls = await donePull(repos.target, 2);
    const heads = pulls.map((p) => p.head.ref).sort();
    expect(heads).toEqual(["agent-task-smoke-te", "agent-task-smoke-test-B"]);
    const first = await sandbox.admin.readFile("acme", repos.target, "agent-task-smoke-te", "agent-tasks/smoke-te.md");
    expect(first).toContain("smoke-test-AAAA");
  });

  it("changes nothing on GitHub when a finished task is run again", async () => {
    const repos = await seed("d");
    const issue = sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "Once",
      body: formatA("rerun-task-1", `acme/${repos.target}`),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, env: repos.env });
    await processed(repos.dispatch, issue.number);
    const queue = new Queue("tasks", { connection: pipeline.redis, prefix: pipeline.prefix });
    try {
      const job = await waitFor(async () => {
        const j = await queue.getJob("rerun-task-1");
        return (await j?.getState()) === "completed" ? j : undefined;
      });
      sandbox.admin.clearRequestLog();
      await job.retry("completed");
      await waitFor(async () => (await queue.getJob("rerun-task-1"))?.finishedOn !== undefined && (await (await queue.getJob("rerun-task-1"))?.getState()) === "completed");
      const writes = sandbox.admin
        .requestLog()
        .filter((e) => (e.kind === "api" && e.method !== "GET" && !e.route.endsWith("/labels")) || e.route.includes("receive-pack"));
      expect(writes).toEqual([]);
      expect(sandbox.admin.listPulls("acme", repos.target)).toHaveLength(1);
      expect(sandbox.admin.listComments("acme", repos.dispatch, issue.number)).toHaveLength(1);
    } finally {
      await queue.close();
    }
  });

  it("opens one PR when the first create-PR response is lost", async () => {
    const repos = await seed("e");
    sandbox.admin.injectFault({ route: "POST /repos/{owner}/{repo}/pulls", path: `/repos/acme/${repos.target}/pulls`, status: 502, afterAction: true, count: 1 });
    const issue = sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "Lossy",
      body: formatA("lossy-task-1", `acme/${repos.target}`),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, env: repos.env });
    await processed(repos.dispatch, issue.number);
    expect(sandbox.admin.listPulls("acme", repos.target)).toHaveLength(1);
    expect(sandbox.admin.listComments("acme", repos.dispatch, issue.number)).toHaveLength(1);
  });

  it("ignores a pull request that carries the dispatch label", async () => {
    const repos = await seed("f");
    await sandbox.admin.createRepo({ owner: "acme", name: "other-f" });
    pipeline = await startPipeline({ sandbox, env: repos.env });
    // A PR in the dispatch repo itself, labelled like a dispatch issue.
    const pr = await openLabelledPullInDispatch(repos.dispatch);
    const real = sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "real",
      body: formatA("real-task-f", `acme/${repos.target}`),
      labels: ["copilot-agent"],
    });
    await processed(repos.dispatch, real.number);
    expect(sandbox.admin.listComments("acme", repos.dispatch, pr)).toHaveLength(0);
    expect(sandbox.admin.getIssue("acme", repos.dispatch, pr)?.labels.map((l) => l.name)).not.toContain("processed");
  });

  it("branches from and targets a default branch named trunk", async () => {
    const repos = await seed("g", "trunk");
    const issue = sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "trunk",
      body: formatA("trunk-task-1", `acme/${repos.target}`),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, env: repos.env });
    await processed(repos.dispatch, issue.number);
    const [pull] = sandbox.admin.listPulls("acme", repos.target);
    expect(pull?.base.ref).toBe("trunk");
  });

  it("keeps the token out of every log line and every workspace's .git/config", async () => {
    const repos = await seed("h");
    const issue = sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "secret",
      body: formatA("secret-task-1", `acme/${repos.target}`),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, env: repos.env });
    await processed(repos.dispatch, issue.number);
    const token = sandbox.tokens.owner;
    expect(pipeline.logs.lines.length).toBeGreaterThan(5);
    expect(pipeline.logs.text()).not.toContain(token);
    const configs = await findFiles(pipeline.workspaceDir, (p) => p.endsWith(path.join(".git", "config")) || p.endsWith("/config"));
    expect(configs.length).toBeGreaterThan(0);
    for (const file of configs) expect(await readFile(file, "utf8")).not.toContain(token);
  });

  it("answers an invalid dispatch issue with one comment however many polls see it", async () => {
    const repos = await seed("i");
    const bad = sandbox.admin.createIssue("acme", repos.dispatch, {
      title: "broken",
      body: "## Instruction\n\nno metadata here",
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, env: repos.env });
    await waitFor(() => sandbox.admin.listComments("acme", repos.dispatch, bad.number).length === 1);
    // Make the list change a few times so the poller re-reads it.
    for (let i = 0; i < 3; i++) {
      sandbox.admin.createIssue("acme", repos.dispatch, { title: `noise ${i}`, labels: ["copilot-agent"], body: formatA(`noise-${i}-i`, `acme/${repos.target}`) });
      await new Promise((r) => setTimeout(r, 1500));
    }
    expect(sandbox.admin.listComments("acme", repos.dispatch, bad.number)).toHaveLength(1);
  });

  async function openLabelledPullInDispatch(dispatch: string): Promise<number> {
    // Push a branch with the git CLI through the sandbox, then open a PR and label it via the API.
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const os = await import("node:os");
    const run = promisify(execFile);
    const dir = await mkdtemp(path.join(os.tmpdir(), "ar-pr-"));
    const url = new URL(`${sandbox.gitUrl}/acme/${dispatch}.git`);
    url.username = "x-access-token";
    url.password = sandbox.tokens.owner;
    await run("git", ["clone", "-q", url.toString(), dir]);
    await run("git", ["-C", dir, "checkout", "-q", "-b", "feature"]);
    await writeFile(path.join(dir, "f.txt"), "x\n");
    await run("git", ["-C", dir, "add", "."]);
    await run("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "f"]);
    await run("git", ["-C", dir, "push", "-q", "origin", "feature"]);
    const response = await fetch(`${sandbox.apiUrl}/repos/acme/${dispatch}/pulls`, {
      method: "POST",
      headers: { authorization: `token ${sandbox.tokens.owner}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "a PR", head: "feature", base: "main", body: formatA("pr-task-zz", "acme/x") }),
    });
    const pr = (await response.json()) as { number: number };
    await fetch(`${sandbox.apiUrl}/repos/acme/${dispatch}/issues/${pr.number}/labels`, {
      method: "POST",
      headers: { authorization: `token ${sandbox.tokens.owner}`, "content-type": "application/json" },
      body: JSON.stringify({ labels: ["copilot-agent"] }),
    });
    return pr.number;
  }
});

/**
 * Every file below `dir` that `match`es. The workers are still running: a lock directory can
 * vanish between listing its parent and reading it, so a directory gone meanwhile is skipped.
 */
async function findFiles(dir: string, match: (p: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await findFiles(full, match)));
    else if (entry.isFile() && match(full)) out.push(full);
  }
  return out;
}
