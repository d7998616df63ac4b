import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, REDIS_URL, ServiceProcess, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";
import { processesWith } from "../test-support/processes-with.js";

/**
 * An agent that means to outlive its worker: it leaves a daemon in a session
 * of its own, beating into the tree, and then runs until it is killed. Both
 * carry the test's marker in their command lines, so the test can find them.
 */
const LINGERING_AGENT = String.raw`#!/bin/bash
setsid bash -c 'while :; do date +%s%N > .heartbeat.tmp && mv -f .heartbeat.tmp heartbeat; sleep 0.2; done' "$PROBE_MARKER-daemon" </dev/null >/dev/null 2>&1 &
exec bash -c 'while :; do sleep 1; done' "$PROBE_MARKER-agent"
`;

/** The heartbeat file in the task's tree, wherever under the workspace the worker put that tree. */
async function heartbeatIn(workspaceDir: string): Promise<string | undefined> {
  const entries = await readdir(workspaceDir, { recursive: true }).catch(() => []);
  const found = entries.find((entry) => path.basename(entry) === "heartbeat" && !entry.startsWith("mirrors"));
  return found === undefined ? undefined : path.join(workspaceDir, found);
}

/**
 * The worker process dies (SIGKILL: no handler, no clean-up) while its
 * agent runs. In the sandbox, every process of the agent dies with it, the
 * daemon that left the session included: bwrap dies with its parent, and the
 * PID namespace with bwrap. Without the sandbox (the control) both live on,
 * which shows the attempt is real.
 */
describe("an agent whose worker process is killed mid-task", () => {
  let sandbox: Sandbox;
  let scripts: string;
  let pipeline: Pipeline | undefined;
  let worker: ServiceProcess | undefined;
  const markers: string[] = [];
  const workspaces: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target", files: { "README.md": "# target\n" } });
    scripts = await mkdtemp(path.join(os.tmpdir(), "ar-worker-death-"));
    await writeFile(path.join(scripts, "agent.sh"), LINGERING_AGENT);
    await chmod(path.join(scripts, "agent.sh"), 0o755);
  });

  afterEach(async () => {
    await worker?.kill();
    worker = undefined;
    await pipeline?.close();
    pipeline = undefined;
    // The control's agent and daemon do outlive their worker: that is what it shows. Stop them here.
    for (const marker of markers.splice(0)) {
      for (const pid of await processesWith(marker)) process.kill(pid, "SIGKILL");
    }
    for (const dir of workspaces.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await sandbox.close();
    await rm(scripts, { recursive: true, force: true });
  });

  /** Starts a real worker process on one task, waits until its agent and daemon run, then SIGKILLs the worker. */
  async function killWorkerMidTask(taskId: string, env: Record<string, string>): Promise<{ marker: string; heartbeat: string }> {
    const marker = `worker-death-${randomBytes(6).toString("hex")}`;
    markers.push(marker);
    const workspaceDir = await mkdtemp(path.join(os.tmpdir(), "ar-worker-death-workspace-"));
    workspaces.push(workspaceDir);
    sandbox.admin.createIssue("acme", "dispatch", {
      title: taskId,
      body: formatA(taskId, "acme/target", "Run until you are stopped."),
      labels: ["copilot-agent"],
    });
    pipeline = await startPipeline({ sandbox, workers: 0 });
    worker = await ServiceProcess.start({
      kind: "worker",
      name: "worker",
      env: {
        GITHUB_TOKEN: sandbox.tokens.owner,
        GITHUB_API_URL: sandbox.apiUrl,
        DISPATCH_REPO: "acme/dispatch",
        REDIS_URL,
        QUEUE_PREFIX: pipeline.prefix,
        GITHUB_WRITES_PER_MINUTE: "0",
        WORKSPACE_DIR: workspaceDir,
        CHANGE_HANDLER: "command",
        CHANGE_COMMAND: JSON.stringify([path.join(scripts, "agent.sh")]),
        CHANGE_COMMAND_ENV: "PROBE_MARKER",
        PROBE_MARKER: marker,
        AGENT_SANDBOX_READ_ONLY_PATHS: scripts,
        ...env,
      },
    });
    // Both are running, and the daemon is beating into the tree.
    await waitFor(async () => (await processesWith(`${marker}-agent`)).length > 0 && (await processesWith(`${marker}-daemon`)).length > 0, 120_000, "the agent and its daemon to run");
    const heartbeat = await waitFor(() => heartbeatIn(workspaceDir), 30_000, "the daemon's first heartbeat");
    await worker.kill("SIGKILL");
    return { marker, heartbeat };
  }

  /** Whether the file changes within `ms`. */
  async function stillBeating(file: string, ms = 1_500): Promise<boolean> {
    const before = await readFile(file, "utf8").catch(() => "");
    await sleep(ms);
    return (await readFile(file, "utf8").catch(() => "")) !== before;
  }

  it("outlives the worker, daemon and all, without the sandbox (the control)", async () => {
    const { marker, heartbeat } = await killWorkerMidTask("death-control-1", { AGENT_SANDBOX: "none" });

    await sleep(1_000);
    expect(await processesWith(`${marker}-agent`)).not.toEqual([]);
    expect(await processesWith(`${marker}-daemon`)).not.toEqual([]);
    expect(await stillBeating(heartbeat)).toBe(true);
  });

  it("dies with the worker in the sandbox: no process of it is left and the tree stops changing", async () => {
    const { marker, heartbeat } = await killWorkerMidTask("death-sandboxed-1", {});

    await waitFor(async () => (await processesWith(marker)).length === 0, 10_000, "every process of the agent to die");
    expect(await stillBeating(heartbeat)).toBe(false);
  });
});
