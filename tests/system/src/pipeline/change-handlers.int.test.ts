import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

const README = "# target\n\nline one\nline two\nline three\n";

function issueBody(taskId: string, instruction: string): string {
  return `<!-- agent_task_metadata {"task_id": "${taskId}"} -->\n\n## Instruction\n\n${instruction}\n\nTarget Repository: acme/target\n`;
}

describe("the change handlers end to end through the sandbox", () => {
  let sandbox: Sandbox;
  let scripts: string;
  let pipeline: Pipeline | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox();
    scripts = await mkdtemp(path.join(os.tmpdir(), "ar-handlers-"));
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target", files: { "README.md": README, "old.txt": "old\n" } });
  });

  afterEach(async () => {
    await pipeline?.close();
    pipeline = undefined;
  });

  afterAll(async () => {
    await sandbox.close();
    await rm(scripts, { recursive: true, force: true });
  });

  function dispatch(taskId: string, instruction: string): number {
    return sandbox.admin.createIssue("acme", "dispatch", { title: taskId, body: issueBody(taskId, instruction), labels: ["copilot-agent"] }).number;
  }

  function finished(issue: number): Promise<true> {
    return waitFor(
      () =>
        sandbox.admin.getIssue("acme", "dispatch", issue)?.labels.some((l) => l.name === "processed") === true ||
        sandbox.admin.listComments("acme", "dispatch", issue).some((c) => c.body.includes("agent-runner:failed")),
      120_000,
      `issue #${issue} to finish`,
    );
  }

  function pullFor(branch: string) {
    return sandbox.admin.listPulls("acme", "target").find((p) => p.head.ref === branch);
  }

  async function script(name: string, body: string): Promise<string> {
    const file = path.join(scripts, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }

  it("patch: applies the diff blocks of the instruction, with a rename and a delete, and opens the PR", async () => {
    const diff = [
      "```diff",
      "diff --git a/README.md b/README.md",
      "--- a/README.md",
      "+++ b/README.md",
      "@@ -3,3 +3,3 @@",
      " line one",
      "-line two",
      "+line 2, patched",
      " line three",
      "diff --git a/old.txt b/new.txt",
      "similarity index 100%",
      "rename from old.txt",
      "rename to new.txt",
      "diff --git a/added.txt b/added.txt",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/added.txt",
      "@@ -0,0 +1 @@",
      "+hello",
      "```",
    ].join("\n");
    const issue = dispatch("patch-task-01", `Apply this:\n\n${diff}`);
    pipeline = await startPipeline({ sandbox, env: { CHANGE_HANDLER: "patch" } });
    await finished(issue);
    const branch = "agent-task-patch-ta";
    expect(await sandbox.admin.readFile("acme", "target", branch, "README.md")).toContain("line 2, patched");
    expect(await sandbox.admin.readFile("acme", "target", branch, "new.txt")).toBe("old\n");
    expect(await sandbox.admin.readFile("acme", "target", branch, "old.txt")).toBeUndefined();
    expect(await sandbox.admin.readFile("acme", "target", branch, "added.txt")).toBe("hello\n");
    expect(await sandbox.admin.readFile("acme", "target", branch, "agent-tasks/patch-ta.md")).toContain("patch");
    expect(pullFor(branch)?.body).toMatch(/Applied 3 file changes/);
  });

  it("patch: a hunk that does not apply fails the task with one comment quoting it and pushes nothing", async () => {
    const diff = ["```diff", "--- a/README.md", "+++ b/README.md", "@@ -1,2 +1,2 @@", " no such line", "-nor this", "+x", "```"].join("\n");
    const issue = dispatch("patch-task-02", diff);
    pipeline = await startPipeline({ sandbox, env: { CHANGE_HANDLER: "patch" } });
    await finished(issue);
    const comments = sandbox.admin.listComments("acme", "dispatch", issue);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("@@ -1,2 +1,2 @@");
    expect((await sandbox.admin.listBranches("acme", "target")).map((b) => b.name)).not.toContain("agent-task-patch-ta-02");
    expect(sandbox.admin.listPulls("acme", "target").some((p) => p.body?.includes("patch-task-02"))).toBe(false);
  });

  it("command: runs the agent in the tree, keeps the token out of its environment, and puts its output in the trace and PR", async () => {
    const agent = await script(
      "agent.sh",
      [
        'printf "from the agent: %s\\n" "$(cat "$AGENT_INSTRUCTION_FILE")" > AGENT_WAS_HERE.md',
        'echo "task=$AGENT_TASK_ID target=$AGENT_TARGET_REPO"',
        "env | sort",
      ].join("\n"),
    );
    const issue = dispatch("command-task-1", "Write a note");
    pipeline = await startPipeline({
      sandbox,
      env: { CHANGE_HANDLER: "command", CHANGE_COMMAND: JSON.stringify([agent]), AGENT_SANDBOX_READ_ONLY_PATHS: scripts },
    });
    await finished(issue);
    const branch = "agent-task-command-";
    expect(await sandbox.admin.readFile("acme", "target", branch, "AGENT_WAS_HERE.md")).toBe("from the agent: Write a note\n");
    const trace = await sandbox.admin.readFile("acme", "target", branch, "agent-tasks/command-.md");
    expect(trace).toContain("task=command-task-1 target=acme/target");
    expect(trace).toContain("AGENT_INSTRUCTION_FILE=");
    const token = sandbox.tokens.owner;
    expect(trace).not.toContain(token);
    expect(trace).not.toContain("GITHUB_TOKEN");
    const pull = pullFor(branch);
    expect(pull?.body).toContain("task=command-task-1");
    expect(pull?.body).not.toContain(token);
  });

  it("command: a command that outlives TASK_TIMEOUT_SECONDS is killed with its children and the task fails once", async () => {
    const marker = `slow-grandchild-${Date.now()}`;
    const slow = await script("slow.sh", `sh -c 'sleep 300' ${marker} &\nwait`);
    const issue = dispatch("timeout-task-1", "Take forever");
    pipeline = await startPipeline({
      sandbox,
      env: {
        CHANGE_HANDLER: "command",
        CHANGE_COMMAND: JSON.stringify([slow]),
        TASK_TIMEOUT_SECONDS: "3",
        AGENT_SANDBOX_READ_ONLY_PATHS: scripts,
      },
    });
    // The grandchild runs (seen from the host) before the timeout strikes...
    await waitFor(async () => (await processesWith(marker)).length > 0, 30_000, "the grandchild to start");
    await finished(issue);
    const comments = sandbox.admin.listComments("acme", "dispatch", issue);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/timeout/i);
    // ...and none of it is left after.
    await waitFor(async () => (await processesWith(marker)).length === 0, 20_000, "the grandchild to die");
    expect(sandbox.admin.listPulls("acme", "target").some((p) => p.head.ref.startsWith("agent-task-timeout-"))).toBe(false);
  });

  it("command: exit 0 without changes opens no PR and says so once", async () => {
    const idle = await script("idle.sh", "echo looked around, nothing to do");
    const issue = dispatch("idle-task-01", "Nothing");
    pipeline = await startPipeline({
      sandbox,
      env: { CHANGE_HANDLER: "command", CHANGE_COMMAND: JSON.stringify([idle]), AGENT_SANDBOX_READ_ONLY_PATHS: scripts },
    });
    await finished(issue);
    const comments = sandbox.admin.listComments("acme", "dispatch", issue);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/changed nothing/);
    expect(pullFor("agent-task-idle-tas")).toBeUndefined();
  });
});

/** Host processes whose command line carries `marker`, whatever namespace they run in. */
async function processesWith(marker: string): Promise<string[]> {
  const pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  const lines = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")));
  return pids.filter((_pid, i) => lines[i]?.includes(marker) === true);
}
