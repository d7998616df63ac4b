import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

describe("a change step that hits its time limit with work in the tree", () => {
  let sandbox: Sandbox;
  let scripts: string;
  let pipeline: Pipeline | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    scripts = await mkdtemp(path.join(os.tmpdir(), "ar-keep-work-"));
  });

  afterEach(async () => {
    await pipeline?.close();
    pipeline = undefined;
    expect(sandbox.admin.violations()).toEqual([]);
  });

  afterAll(async () => {
    await sandbox.close();
    await rm(scripts, { recursive: true, force: true });
  });

  it("keeps the work as one draft PR marked incomplete, and `/agent retry` adds a commit to the same PR", async () => {
    const dispatch = "dispatch-keep";
    const target = "target-keep";
    await sandbox.admin.createRepo({ owner: "acme", name: dispatch });
    await sandbox.admin.createRepo({ owner: "acme", name: target, files: { "README.md": "# target\n" } });
    // The agent is slow until the test drops the `fast` flag into its (read-only) scripts directory.
    const fastFlag = path.join(scripts, "fast");
    const agent = path.join(scripts, "agent.sh");
    await writeFile(
      agent,
      `#!/bin/sh\nif [ -f '${fastFlag}' ]; then echo finished > second.txt; exit 0; fi\necho half done > first.txt\nsleep 300\n`,
    );
    await chmod(agent, 0o755);
    const issue = sandbox.admin.createIssue("acme", dispatch, { title: "Slow work", body: formatA("keep-work-1", `acme/${target}`), labels: ["copilot-agent"] });
    pipeline = await startPipeline({
      sandbox,
      env: {
        DISPATCH_REPO: `acme/${dispatch}`,
        FULL_SWEEP_INTERVAL_SECONDS: "1",
        CHANGE_HANDLER: "command",
        CHANGE_COMMAND: JSON.stringify([agent]),
        TASK_TIMEOUT_SECONDS: "5",
        AGENT_SANDBOX_READ_ONLY_PATHS: scripts,
      },
    });
    const comments = () => sandbox.admin.listComments("acme", dispatch, issue.number);
    const runnerComments = () => comments().filter((c) => !c.body.startsWith("/agent"));
    const pulls = () => sandbox.admin.listPulls("acme", target);
    const processed = () => sandbox.admin.getIssue("acme", dispatch, issue.number)?.labels.some((l) => l.name === "processed") ?? false;

    await waitFor(() => runnerComments().length === 1, 60_000, "the incomplete comment");
    const [draft] = pulls();
    expect(pulls()).toHaveLength(1);
    expect(draft?.draft).toBe(true);
    expect(draft?.title).toMatch(/^\[incomplete\] /);
    expect(draft?.body).toContain("Incomplete");
    expect(runnerComments()[0]?.body).toContain(draft?.html_url);
    expect(runnerComments()[0]?.body).toContain("`/agent retry`");
    expect(processed()).toBe(false);
    const branch = draft?.head.ref ?? "";
    const commits = await sandbox.admin.commitCount("acme", target, branch);

    await writeFile(fastFlag, "");
    sandbox.admin.createComment("acme", dispatch, issue.number, { body: "/agent retry" });
    await waitFor(processed, 60_000, "the retried run done");
    expect(pulls()).toHaveLength(1);
    expect(pulls()[0]?.number).toBe(draft?.number);
    expect(pulls()[0]?.title).not.toMatch(/incomplete/);
    expect(await sandbox.admin.commitCount("acme", target, branch)).toBe(commits + 1);
    expect(runnerComments()).toHaveLength(1);
    // REST cannot take a PR out of draft: the report says so instead.
    await waitFor(() => runnerComments()[0]?.body.includes("still a draft"), 10_000, "the comment edited in place");
  });
});
