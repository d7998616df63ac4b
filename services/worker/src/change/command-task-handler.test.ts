import { access, readFile, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { ChangeFailedError, ConfigError, TaskTimeoutError } from "@agent-runner/core";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentSandbox } from "../sandbox/agent-sandbox.js";
import { SandboxSetupError } from "../sandbox/sandbox-setup-error.js";
import { UnsandboxedRunner } from "../sandbox/unsandboxed-runner.js";
import { CommandTaskHandler, type CommandTaskHandlerOptions } from "./command-task-handler.js";
import { changeTask } from "./test-support/change-task.js";
import { lines, readTree, TempDirs, writeTree } from "./test-support/temp-dirs.js";

const temp = new TempDirs();
const leftovers: number[] = [];
afterEach(async () => {
  // A failing test must not leave a `sleep 300` behind.
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone, as it should be
    }
  }
  await temp.removeAll();
});

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "fakeTokenValue1234567890abcdefABCDEF"].join("_");
const API_KEY = "sk-test-allowlisted-key-0001";
const TRACE = changeTask().traceFilePath;

interface Setup {
  readonly dir: string;
  readonly handler: CommandTaskHandler;
}

/** A working tree with one file, and a handler running `script` with /bin/sh. */
async function setup(script: string, options: Partial<CommandTaskHandlerOptions> = {}): Promise<Setup> {
  const dir = await temp.make("agent-runner-tree-");
  const scripts = await temp.make("agent-runner-script-");
  await writeTree(dir, { "notes.txt": "original\n" });
  const file = path.join(scripts, "agent.sh");
  await writeFile(file, lines("#!/bin/sh", script, ""));
  const handler = new CommandTaskHandler({
    argv: ["/bin/sh", file],
    envAllowlist: [],
    timeoutMs: 10_000,
    secrets: [TOKEN],
    sourceEnv: { PATH: process.env["PATH"], HOME: process.env["HOME"] },
    // The unit tests check the handler's own contract; the real sandbox has its own tests.
    sandbox: new UnsandboxedRunner(),
    network: false,
    killGraceMs: 300,
    ...options,
  });
  return { dir, handler };
}

async function readPid(file: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (/^\d+\n$/.test(text)) {
      const pid = Number(text.trim());
      leftovers.push(pid);
      return pid;
    }
    await delay(20);
  }
  throw new Error(`no pid in ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

async function expectGone(pid: number): Promise<void> {
  for (let waited = 0; waited < 5_000 && isAlive(pid); waited += 50) await delay(50);
  expect(isAlive(pid), `process ${pid} is still running`).toBe(false);
}

const GRANDCHILD = lines('sleep 300 &', 'echo $! > grandchild.pid', "echo started", "wait");

describe("CommandTaskHandler", () => {
  it("runs the command in the working tree and records its output", async () => {
    const { dir, handler } = await setup(
      lines(
        'echo "working in $(pwd)"',
        "echo to stderr >&2",
        "printf 'changed by the agent\\n' > notes.txt",
        'for i in $(seq 1 30); do echo "progress $i"; done',
      ),
    );

    const result = await handler.apply({ dir }, changeTask(), new AbortController().signal);

    const tree = await readTree(dir);
    expect(tree["notes.txt"]).toBe("changed by the agent\n");
    expect(tree[TRACE]).toContain("- **Change handler:** command (exit code 0)");
    const output = tree[TRACE]?.split("## Change step output\n")[1] ?? "";
    // Both streams are recorded in arrival order; which pipe is read first is up to the scheduler.
    expect(output).toContain(`working in ${await realpath(dir)}\n`);
    expect(output).toContain("to stderr\n");
    expect(output).toContain("progress 1\nprogress 2\n");
    expect(result.summary).toContain("Ran the change command `sh` (exit code 0).");
    // The summary keeps the last 20 lines: progress 11–30, or 12–30 and then stderr's line when
    // that pipe was read last (stdout and stderr are two pipes: their order is the scheduler's).
    expect(result.summary).toContain("progress 12\n");
    expect(result.summary).toMatch(/progress 30\n(to stderr\n)?```/);
    expect(result.summary).not.toContain("progress 10\n");
    expect(result.changedFiles).toEqual([TRACE]);
  });

  it("passes only PATH, LANG, a private HOME, the allowlisted variables and the task's variables", async () => {
    const outside = await temp.make("agent-runner-dump-");
    const dump = path.join(outside, "env.txt");
    const { dir, handler } = await setup(
      lines(
        "env",
        `env > "$ENV_DUMP"`,
        `cp "$AGENT_INSTRUCTION_FILE" "$ENV_DUMP.instruction"`,
        `echo "$AGENT_INSTRUCTION_FILE" > "$ENV_DUMP.path"`,
      ),
      {
        envAllowlist: ["AGENT_API_KEY", "ENV_DUMP"],
        sourceEnv: {
          PATH: process.env["PATH"],
          HOME: "/home/agent",
          LANG: "C.UTF-8",
          GITHUB_TOKEN: TOKEN,
          AGENT_API_KEY: API_KEY,
          ENV_DUMP: dump,
          NOT_LISTED: "must-not-leak",
        },
      },
    );
    const task = changeTask({ instruction: "Rewrite notes.txt\nin capitals." });

    await handler.apply({ dir }, task, new AbortController().signal);

    const env = parseEnv(await readFile(dump, "utf8"));
    // A HOME of the task's own, gone after it: never the worker's, which later tasks share.
    expect(env["HOME"]).not.toBe("/home/agent");
    expect(path.relative(dir, env["HOME"] ?? "").startsWith("..")).toBe(true);
    await expect(access(env["HOME"] ?? "")).rejects.toThrow(/ENOENT/);
    expect(env).toMatchObject({
      LANG: "C.UTF-8",
      AGENT_API_KEY: API_KEY,
      AGENT_TASK_ID: task.taskId,
      AGENT_TARGET_REPO: "acme/target",
      AGENT_ISSUE_URL: task.issueUrl,
      AGENT_BRANCH: task.branch,
    });
    const allowed = ["PATH", "HOME", "LANG", "AGENT_API_KEY", "ENV_DUMP", "AGENT_INSTRUCTION_FILE", "AGENT_TASK_ID", "AGENT_TARGET_REPO", "AGENT_ISSUE_URL", "AGENT_BRANCH"];
    const shellOwn = ["PWD", "OLDPWD", "SHLVL", "_"];
    expect(Object.keys(env).filter((name) => !allowed.includes(name) && !shellOwn.includes(name))).toEqual([]);
    expect(await readFile(`${dump}.instruction`, "utf8")).toBe(task.instruction);
    const instructionFile = (await readFile(`${dump}.path`, "utf8")).trim();
    expect(path.relative(dir, instructionFile).startsWith("..")).toBe(true);
    await expect(access(instructionFile)).rejects.toThrow(/ENOENT/);
    const trace = (await readTree(dir))[TRACE] ?? "";
    expect(trace).toContain("AGENT_API_KEY=[REDACTED]");
    expect(trace).not.toContain(API_KEY);
    expect(trace).not.toContain(TOKEN);
    expect(trace).not.toContain("GITHUB_TOKEN");
    expect(trace).not.toContain("must-not-leak");
  });

  it("redacts the token from output that contains it anyway", async () => {
    const { dir, handler } = await setup(`echo "found ${TOKEN} somewhere"\nexit 1`);

    const error = await handler.apply({ dir }, changeTask(), new AbortController().signal).catch((e: unknown) => e);

    expect((error as ChangeFailedError).userMessage).toContain("found [REDACTED] somewhere");
    expect((error as ChangeFailedError).userMessage).not.toContain(TOKEN);
  });

  it.each([
    { name: "a non-zero exit code", script: lines("echo first", "echo second", "exit 3"), how: "exited with code 3", last: "first\nsecond" },
    { name: "death by a signal", script: lines("echo about to die", "kill -KILL $$"), how: "was killed by SIGKILL", last: "about to die" },
    { name: "a non-zero exit without output", script: "exit 1", how: "exited with code 1", last: undefined },
  ])("fails the task with the last lines of output on $name", async ({ script, how, last }) => {
    const { dir, handler } = await setup(lines("printf 'half done\\n' > notes.txt", script));

    const error = await handler.apply({ dir }, changeTask(), new AbortController().signal).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ChangeFailedError);
    const message = (error as ChangeFailedError).userMessage;
    expect(message).toContain(`the change command \`sh\` ${how}.`);
    if (last === undefined) expect(message).toContain("It printed nothing.");
    else expect(message).toContain(`The last lines of its output:\n\n\`\`\`text\n${last}\n\`\`\``);
    expect((await readTree(dir))[TRACE]).toBeUndefined();
  });

  it("keeps the start and end of output beyond the cap and says how much was left out", async () => {
    const { dir, handler } = await setup("seq 1 20000", { outputCapBytes: 1024 });

    await handler.apply({ dir }, changeTask(), new AbortController().signal);

    const trace = (await readTree(dir))[TRACE] ?? "";
    const output = trace.slice(trace.indexOf("## Change step output"));
    expect(output).toMatch(/```text\n1\n2\n3\n/);
    expect(output).toMatch(/\n\[\.\.\. \d+ bytes of output omitted \.\.\.\]\n/);
    expect(output).toMatch(/\n19999\n20000\n```\n$/);
    expect(output.length).toBeLessThan(2 * 1024 + 200);
  });

  it("kills the whole process group when the command outlives its timeout", async () => {
    const { dir, handler } = await setup(GRANDCHILD, { timeoutMs: 500 });

    const error = await handler.apply({ dir }, changeTask(), new AbortController().signal).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect((error as TaskTimeoutError).timeoutMs).toBe(500);
    await expectGone(await readPid(path.join(dir, "grandchild.pid")));
    expect((await readTree(dir))[TRACE]).toBeUndefined();
  });

  it("kills the whole process group when the task is aborted, rethrowing the abort reason", async () => {
    const { dir, handler } = await setup(GRANDCHILD);
    const controller = new AbortController();
    const reason = new Error("worker shutting down");

    const running = handler.apply({ dir }, changeTask(), controller.signal).catch((e: unknown) => e);
    const pid = await readPid(path.join(dir, "grandchild.pid"));
    controller.abort(reason);

    expect(await running).toBe(reason);
    await expectGone(pid);
  });

  it("kills a child that ignores SIGTERM once the grace period is over", async () => {
    const { dir, handler } = await setup(lines("trap '' TERM", "echo $$ > leader.pid", "while :; do sleep 0.1; done"), { timeoutMs: 300 });

    const error = await handler.apply({ dir }, changeTask(), new AbortController().signal).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TaskTimeoutError);
    await expectGone(await readPid(path.join(dir, "leader.pid")));
  });

  it("stops background processes the command leaves behind when it exits", async () => {
    const { dir, handler } = await setup(lines("sleep 300 &", "echo $! > grandchild.pid", "echo done"));

    await handler.apply({ dir }, changeTask(), new AbortController().signal);

    await expectGone(await readPid(path.join(dir, "grandchild.pid")));
  });

  it("does not start the command when the task is already aborted", async () => {
    const { dir, handler } = await setup("printf 'ran\\n' > notes.txt");
    const controller = new AbortController();
    controller.abort(new Error("too late"));

    await expect(handler.apply({ dir }, changeTask(), controller.signal)).rejects.toThrow("too late");
    expect((await readTree(dir))["notes.txt"]).toBe("original\n");
  });

  it("fails the task when the program cannot be started", async () => {
    const { dir } = await setup("true");
    const handler = new CommandTaskHandler({
      argv: ["/nonexistent/agent-cli", "--yes"],
      envAllowlist: [],
      timeoutMs: 5_000,
      secrets: [TOKEN],
      sourceEnv: {},
      sandbox: new UnsandboxedRunner(),
      network: false,
    });

    const error = await handler.apply({ dir }, changeTask(), new AbortController().signal).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ChangeFailedError);
    expect((error as ChangeFailedError).userMessage).toMatch(/`agent-cli` could not be started \(ENOENT\)/);
  });

  describe("when the sandbox itself fails at task time", () => {
    /** A sandbox whose probe passed at start-up but whose run fails the way bwrap does before it executes anything. */
    function failingSandbox(said: string): AgentSandbox {
      return {
        name: "bubblewrap",
        probe: async () => undefined,
        run: async () => {
          throw new SandboxSetupError("bubblewrap", said, { code: 1, signal: null });
        },
        pathInside: (file) => file.sandboxPath,
      };
    }

    it("fails the task naming AGENT_SANDBOX and what bwrap said, not the command's exit code", async () => {
      const { dir, handler } = await setup("true", { sandbox: failingSandbox("bwrap: Can't find source path /opt/agent-cli: No such file or directory\n") });

      const error = await handler.apply({ dir }, changeTask(), new AbortController().signal).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ChangeFailedError);
      expect((error as ChangeFailedError).message).toBe(
        "the agent sandbox AGENT_SANDBOX=bubblewrap failed before the change command ran: bwrap: Can't find source path /opt/agent-cli: No such file or directory",
      );
      expect((error as ChangeFailedError).userMessage).toMatch(/`AGENT_SANDBOX=bubblewrap`\) failed before the change command `sh` ran \(it said: bwrap: Can't find source path/);
      expect((error as ChangeFailedError).userMessage).not.toMatch(/exited with code/);
      expect((await readTree(dir))[TRACE]).toBeUndefined();
    });

    it("says the program could not be started when bwrap could not execute it", async () => {
      const { dir, handler } = await setup("true", { sandbox: failingSandbox("bwrap: execvp /opt/agent-cli: No such file or directory") });

      const error = await handler.apply({ dir }, changeTask(), new AbortController().signal).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ChangeFailedError);
      expect((error as ChangeFailedError).userMessage).toMatch(/`sh` could not be started in its sandbox \(ENOENT\)/);
    });
  });

  it.each([
    { name: "GITHUB_TOKEN", allowlist: ["GITHUB_TOKEN"], env: { GITHUB_TOKEN: TOKEN }, problem: /GITHUB_TOKEN: the change command must never receive a GitHub token/ },
    { name: "GH_TOKEN in lower case", allowlist: ["gh_token"], env: {}, problem: /gh_token: the change command must never receive/ },
    { name: "a variable holding the token under another name", allowlist: ["INNOCENT"], env: { INNOCENT: `x${TOKEN}` }, problem: /INNOCENT, whose value contains the GitHub token/ },
    { name: "a variable the runner sets itself", allowlist: ["AGENT_TASK_ID"], env: {}, problem: /AGENT_TASK_ID, which the runner sets itself/ },
    { name: "something that is not a variable name", allowlist: ["A=B"], env: {}, problem: /"A=B", which is not a variable name/ },
  ])("refuses an allowlist with $name when it is built", ({ allowlist, env, problem }) => {
    const build = (): CommandTaskHandler =>
      new CommandTaskHandler({
        argv: ["agent"],
        envAllowlist: allowlist,
        timeoutMs: 1_000,
        secrets: [TOKEN],
        sourceEnv: env,
        sandbox: new UnsandboxedRunner(),
        network: false,
      });

    expect(build).toThrow(ConfigError);
    expect(build).toThrow(problem);
  });
});

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

