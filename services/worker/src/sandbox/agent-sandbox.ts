import type { CommandExit } from "../change/run-command.js";

export type { CommandExit } from "../change/run-command.js";

/** The mechanisms behind AGENT_SANDBOX: `bubblewrap` (the default) or `none`, an explicit opt-out. */
export type AgentSandboxKind = "bubblewrap" | "none";

/** A host file or directory the command may read but not change, e.g. the task's instruction file. */
export interface ReadOnlyFile {
  readonly hostPath: string;
  /** Absolute path inside the sandbox; an adapter without a private view exposes `hostPath` instead (see `pathInside`). */
  readonly sandboxPath: string;
}

export interface SandboxRunRequest {
  /** Program and arguments; no shell is involved. */
  readonly argv: readonly string[];
  /** The task's working tree: the command's cwd and the only host path it may write. */
  readonly treeDir: string;
  /** The complete environment inside the sandbox: nothing of the worker's own leaks in. */
  readonly env: Readonly<Record<string, string>>;
  readonly readOnlyFiles: readonly ReadOnlyFile[];
  /**
   * Tree-relative directories the command may read but not change: `.git`, so
   * that nothing it does can plant configuration, hooks, refs or objects that
   * the worker's own git reads after it (the worker commits and pushes itself).
   */
  readonly readOnlyTreePaths?: readonly string[];
  /** False: no network at all, only a private loopback. True: the host's network, loopback services included. */
  readonly network: boolean;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Between SIGTERM and SIGKILL when the command is stopped. */
  readonly killGraceMs: number;
  /** Receives stdout and stderr chunks in the order they arrive. */
  readonly onOutput: (chunk: Buffer) => void;
}

/**
 * How the command handler runs the change command. The port belongs to the
 * handler; each isolation mechanism is one adapter. Whatever the adapter, on
 * timeout (TaskTimeoutError), abort (the signal's reason) or normal exit no
 * process the command started survives run().
 */
export interface AgentSandbox {
  readonly name: AgentSandboxKind;
  /** Checks once, at start-up, that the mechanism works here; throws SandboxUnavailableError naming the cause. */
  probe(): Promise<void>;
  run(request: SandboxRunRequest): Promise<CommandExit>;
  /** Where the command finds a read-only file: what an environment variable pointing at it must say. */
  pathInside(file: ReadOnlyFile): string;
}
