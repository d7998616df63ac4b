import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { CommandExit, SandboxRunRequest } from "../agent-sandbox.js";
import { BubblewrapSandbox } from "../bubblewrap-sandbox.js";

/** Where the test script appears inside the sandbox (a read-only file, like the instruction file). */
export const SCRIPT_INSIDE = "/opt/sandbox-test/agent.sh";

export interface SandboxTestDirs {
  /** A temporary directory holding everything below, next to nothing else. */
  readonly base: string;
  /** The task's tree: the sandbox's only writable host path. */
  readonly tree: string;
  /** Another task's tree (or a mirror) next to this one, with a secret in it. */
  readonly sibling: string;
  /** A host directory outside the tree that the command must not be able to change. */
  readonly outside: string;
}

export interface Ran {
  readonly exit: CommandExit;
  readonly output: string;
}

/**
 * One test file's sandbox, temp directories and leftover-process sweep. Each
 * script gets MARKER in its environment and passes it to the processes it
 * starts (`sh -c '...' "$MARKER"`), so a survivor can be found from the host
 * by its command line.
 */
export class SandboxTestKit {
  readonly sandbox = new BubblewrapSandbox();
  readonly marker = `sandbox-test-${randomUUID()}`;
  private readonly made: string[] = [];

  async dirs(): Promise<SandboxTestDirs> {
    const base = await this.tempDir("agent-sandbox-test-");
    const [tree, sibling, outside] = ["tree", "sibling-tree", "outside"].map((name) => path.join(base, name)) as [string, string, string];
    await Promise.all([tree, sibling, outside].map((dir) => mkdir(dir)));
    await writeFile(path.join(tree, "README.md"), "the task's tree\n");
    await writeFile(path.join(sibling, "secret.txt"), `sibling-secret-${randomUUID()}\n`);
    await writeFile(path.join(outside, "victim.txt"), "original\n");
    return { base, tree, sibling, outside };
  }

  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  /** Runs `script` with /bin/sh (or `shell`) in the sandbox, the tree being `dirs.tree`; `overrides` replace the defaults. */
  async run(dirs: SandboxTestDirs, script: string, request: Partial<SandboxRunRequest> & { shell?: string } = {}): Promise<Ran> {
    const chunks: Buffer[] = [];
    const { shell, ...overrides } = request;
    const scriptFile = path.join(dirs.base, `script-${randomUUID()}.sh`);
    await writeFile(scriptFile, script);
    const exit = await this.sandbox.run({
      // The marker in argv names bwrap and the script on the host too, should a failed test leave them behind.
      argv: [shell ?? "/bin/sh", SCRIPT_INSIDE, this.marker],
      treeDir: dirs.tree,
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", MARKER: this.marker },
      network: false,
      timeoutMs: 60_000,
      signal: new AbortController().signal,
      killGraceMs: 300,
      onOutput: (chunk) => chunks.push(chunk),
      ...overrides,
      // The script is always there; a test's own read-only files come on top.
      readOnlyFiles: [{ hostPath: scriptFile, sandboxPath: SCRIPT_INSIDE }, ...(overrides.readOnlyFiles ?? [])],
    });
    return { exit, output: Buffer.concat(chunks).toString("utf8") };
  }

  /** Host processes whose command line mentions this file's marker: none may outlive a run. */
  async survivors(): Promise<number[]> {
    const pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
    const found: number[] = [];
    for (const pid of pids) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      if (cmdline.includes(this.marker)) found.push(Number(pid));
    }
    return found;
  }

  /** afterEach: kills what a failed test left running, then deletes the directories. */
  async cleanUp(): Promise<void> {
    for (const pid of await this.survivors()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    await Promise.all(this.made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Waits until `file` exists with content for which `accept` holds; returns that content. */
export async function waitForContent(file: string, accept: (text: string) => boolean = () => true, timeoutMs = 10_000): Promise<string> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text !== undefined && text !== "" && accept(text)) return text;
    await delay(20);
  }
  throw new Error(`${file} did not get the expected content within ${timeoutMs} ms`);
}

/** Whether a heartbeat file keeps changing over `ms`: a live writer rewrites it every 50 ms. */
export async function stillBeating(file: string, ms = 500): Promise<boolean> {
  const before = await readFile(file, "utf8");
  await delay(ms);
  return (await readFile(file, "utf8")) !== before;
}

/**
 * Starts a daemon that leaves the command's session (setsid) from a
 * double-forked subshell, ignores SIGTERM and SIGHUP and rewrites
 * `heartbeat` in the tree every 50 ms; then waits for two beats, so the test
 * knows it really ran.
 */
export const START_DAEMON = `
( setsid sh -c 'trap "" TERM HUP; while :; do date +%s%N > heartbeat; sleep 0.05; done' "$MARKER" & )
first=""
while [ -z "$first" ]; do first=$(cat heartbeat 2>/dev/null); sleep 0.02; done
while [ "$(cat heartbeat)" = "$first" ]; do sleep 0.02; done
echo "daemon is beating"
`;
