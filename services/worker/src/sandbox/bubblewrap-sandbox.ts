import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AgentSandbox, CommandExit, ReadOnlyFile, SandboxRunRequest } from "./agent-sandbox.js";
import { bubblewrapArgs, type HostLayout } from "./bubblewrap-args.js";
import { explainProbeError, explainProbeFailure } from "./explain-probe-failure.js";
import { findExecutable } from "./find-executable.js";
import { readHostLayout } from "./host-layout.js";
import { runBubblewrap } from "./run-bubblewrap.js";
import { SANDBOX_IDENTITY, sandboxGroup, sandboxHosts, sandboxPasswd } from "./sandbox-identity-files.js";
import { SandboxSetupError } from "./sandbox-setup-error.js";
import { SandboxUnavailableError } from "./sandbox-unavailable-error.js";

export interface BubblewrapSandboxOptions {
  /** The bwrap binary; looked up on PATH by default. */
  readonly bwrapPath?: string;
  /** Host paths shown read-only at the same path, for agent CLIs installed outside /usr. */
  readonly extraReadOnlyPaths?: readonly string[];
  /** Caps each of the private /tmp and $HOME; unset, the kernel's default (half the RAM) applies. */
  readonly tmpfsSizeBytes?: number;
  /** Where probe() makes its throwaway tree; os.tmpdir() by default. */
  readonly tempDir?: string;
}

const PROBE_TIMEOUT_MS = 10_000;

/**
 * AGENT_SANDBOX=bubblewrap (the default): the change command runs under bwrap
 * in new user, PID, IPC, UTS, cgroup and mount namespaces, and a new network
 * namespace unless the request asks for the network. It sees a read-only
 * minimum of the system, a private /tmp and $HOME, and the task's tree at
 * /workspace as the only writable host path (layout: bubblewrap-args.ts).
 * Works unprivileged: bwrap needs user namespaces, not root or setuid.
 */
export class BubblewrapSandbox implements AgentSandbox {
  readonly name = "bubblewrap";
  private readonly bwrapPath: string;
  private layout: Promise<HostLayout> | undefined;
  private bwrapFile: Promise<string> | undefined;

  constructor(private readonly options: BubblewrapSandboxOptions = {}) {
    this.bwrapPath = options.bwrapPath ?? "bwrap";
  }

  /** Runs `true` in a sandbox exactly like a task's, so whatever would fail a task fails here, at start-up. */
  async probe(): Promise<void> {
    const tree = await mkdtemp(path.join(this.options.tempDir ?? os.tmpdir(), "agent-sandbox-probe-"));
    const output: Buffer[] = [];
    try {
      const exit = await this.run({
        argv: ["true"],
        treeDir: tree,
        env: { PATH: "/usr/bin:/bin" },
        readOnlyFiles: [],
        network: false,
        timeoutMs: PROBE_TIMEOUT_MS,
        signal: new AbortController().signal,
        killGraceMs: 0,
        onOutput: (chunk) => output.push(chunk),
      });
      if (exit.code !== 0) throw new SandboxUnavailableError(explainProbeFailure(Buffer.concat(output).toString("utf8"), exit));
    } catch (error) {
      if (error instanceof SandboxUnavailableError) throw error;
      if (error instanceof SandboxSetupError) throw new SandboxUnavailableError(explainProbeFailure(error.said, error.exit));
      throw new SandboxUnavailableError(explainProbeError(error, this.bwrapPath));
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  }

  async run(request: SandboxRunRequest): Promise<CommandExit> {
    request.signal.throwIfAborted();
    // A missing tree is the runner's bug, not the agent's failure: say so instead of "exited with code 1".
    if (!(await stat(request.treeDir)).isDirectory()) throw new Error(`the tree ${request.treeDir} is not a directory`);
    const commandLine = bubblewrapArgs(request, {
      layout: await (this.layout ??= readHostLayout()),
      identity: SANDBOX_IDENTITY,
      extraReadOnlyPaths: this.options.extraReadOnlyPaths ?? [],
      tmpfsSizeBytes: this.options.tmpfsSizeBytes,
    });
    const data = {
      passwd: sandboxPasswd(SANDBOX_IDENTITY),
      group: sandboxGroup(SANDBOX_IDENTITY),
      hosts: sandboxHosts(SANDBOX_IDENTITY),
    };
    return runBubblewrap(await this.findBwrap(), commandLine, data, request);
  }

  /** Looked up once, on the worker's PATH; a failed lookup is retried (bubblewrap may get installed meanwhile). */
  private findBwrap(): Promise<string> {
    this.bwrapFile ??= findExecutable(this.bwrapPath, process.env["PATH"]).catch((error: unknown) => {
      this.bwrapFile = undefined;
      throw error;
    });
    return this.bwrapFile;
  }

  pathInside(file: ReadOnlyFile): string {
    return file.sandboxPath;
  }
}
