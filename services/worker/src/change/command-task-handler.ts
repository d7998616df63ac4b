import { lstat, mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ChangeFailedError } from "@agent-runner/core";
import { CappedOutput } from "./capped-output.js";
import { allowlistedValues, buildCommandEnv, checkEnvAllowlist } from "./command-env.js";
import { markdownFence } from "./markdown-fence.js";
import type { AgentSandbox, ReadOnlyFile } from "../sandbox/agent-sandbox.js";
import { SandboxSetupError } from "../sandbox/sandbox-setup-error.js";
import type { CommandExit } from "./run-command.js";
import type { ChangeResult, ChangeTask, ChangeWorkspace, TaskHandler } from "./task-handler.js";
import { writeTraceFile } from "./trace-file.js";

export interface CommandTaskHandlerOptions {
  /** CHANGE_COMMAND: program and arguments, run without a shell. */
  readonly argv: readonly string[];
  /** CHANGE_COMMAND_ENV: the only variables of `sourceEnv` passed on, besides PATH, HOME and LANG. */
  readonly envAllowlist: readonly string[];
  readonly timeoutMs: number;
  /** Values that must never reach the command or the recorded output: the GitHub token. */
  readonly secrets: readonly string[];
  /** Where PATH, LANG and the allowlisted variables are read from (the worker's environment). */
  readonly sourceEnv: NodeJS.ProcessEnv;
  /** AGENT_SANDBOX: what isolates the command from the worker (already probed). */
  readonly sandbox: AgentSandbox;
  /** AGENT_NETWORK: whether the command may use the network. */
  readonly network: boolean;
  /** Between SIGTERM and SIGKILL when the command is stopped; 2 s by default. */
  readonly killGraceMs?: number;
  /** How much of the start and of the end of the output is kept; 32 KiB each by default. */
  readonly outputCapBytes?: number;
  /** Parent of the per-task scratch directory (instruction file, private HOME); must not be inside a working tree. os.tmpdir() by default. */
  readonly tempDir?: string;
}

const SUMMARY_LINES = 20;
/** Where a sandboxed command finds its instruction (outside the tree, so it is never committed). */
const INSTRUCTION_INSIDE = "/run/agent/instruction.md";
const MAX_LINE_CHARS = 300;

/**
 * Runs an external agent (an LLM coding CLI, a script) in the working tree,
 * inside the configured sandbox. The instruction is handed over as a
 * read-only file outside the tree, the environment is built from an
 * allowlist, HOME is private to the task, the tree's `.git` is read-only to
 * the command (the worker commits and pushes itself), and the sandbox stops
 * everything the command started on timeout, abort or exit.
 */
export class CommandTaskHandler implements TaskHandler {
  readonly name = "command";
  private readonly killGraceMs: number;
  private readonly outputCapBytes: number;

  constructor(private readonly options: CommandTaskHandlerOptions) {
    // Fail at startup, not on the first task, when the allowlist would expose the token.
    checkEnvAllowlist(options.envAllowlist, options.sourceEnv, options.secrets);
    this.killGraceMs = options.killGraceMs ?? 2_000;
    this.outputCapBytes = options.outputCapBytes ?? 32 * 1024;
  }

  async apply(workspace: ChangeWorkspace, task: ChangeTask, signal: AbortSignal): Promise<ChangeResult> {
    signal.throwIfAborted();
    const { sourceEnv, envAllowlist, sandbox } = this.options;
    // Allowlisted values are mostly API keys: keep them out of a trace file that may be public.
    const output = new CappedOutput({
      capBytes: this.outputCapBytes,
      secrets: [...this.options.secrets, ...allowlistedValues(sourceEnv, envAllowlist)],
    });
    // mkdtemp makes the directory 0700: the instruction and HOME are this task's alone.
    const scratch = await mkdtemp(path.join(this.options.tempDir ?? os.tmpdir(), "agent-task-"));
    try {
      await assertOutside(scratch, workspace.dir);
      const instruction: ReadOnlyFile = { hostPath: path.join(scratch, "instruction.md"), sandboxPath: INSTRUCTION_INSIDE };
      await writeFile(instruction.hostPath, task.instruction, { mode: 0o600, flag: "wx" });
      const home = path.join(scratch, "home");
      await mkdir(home, { mode: 0o700 });
      const env = buildCommandEnv(sourceEnv, envAllowlist, this.options.secrets, {
        // Never the worker's own HOME: what one task writes there (git config, credentials helpers) must not reach the next.
        HOME: home,
        AGENT_INSTRUCTION_FILE: sandbox.pathInside(instruction),
        AGENT_TASK_ID: task.taskId,
        AGENT_TARGET_REPO: task.targetRepo,
        AGENT_ISSUE_URL: task.issueUrl,
        AGENT_BRANCH: task.branch,
      });
      const exit = await this.run(workspace.dir, env, instruction, signal, output);
      const text = output.render().trimEnd();
      if (exit.code !== 0) throw this.failed(exit, text);
      await writeTraceFile(workspace.dir, task, {
        handler: this.name,
        outcome: "exit code 0",
        details: text === "" ? "(no output)" : text,
      });
      return { summary: this.summary(text), changedFiles: [task.traceFilePath] };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  private async run(
    treeDir: string,
    env: Record<string, string>,
    instruction: ReadOnlyFile,
    signal: AbortSignal,
    output: CappedOutput,
  ): Promise<CommandExit> {
    try {
      return await this.options.sandbox.run({
        argv: this.options.argv,
        treeDir,
        env,
        readOnlyFiles: [instruction],
        readOnlyTreePaths: await repositoryMetadata(treeDir),
        network: this.options.network,
        timeoutMs: this.options.timeoutMs,
        signal,
        killGraceMs: this.killGraceMs,
        onOutput: (chunk) => output.push(chunk),
      });
    } catch (error) {
      if (error instanceof SandboxSetupError) throw this.sandboxFailed(error);
      // A missing or non-executable program will not appear on retry; anything else (timeout, abort) passes through.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EACCES") {
        throw new ChangeFailedError(
          `change command ${this.program} could not be started: ${code}`,
          `the runner's change command \`${this.program}\` could not be started (${code}); the runner's CHANGE_COMMAND needs fixing`,
        );
      }
      throw error;
    }
  }

  /**
   * The sandbox failed before the command ran (after a good start-up probe):
   * not the agent's failure, and not "exited with code 1". A program bwrap
   * could not execute reads as it does without a sandbox.
   */
  private sandboxFailed(error: SandboxSetupError): ChangeFailedError {
    const exec = /execvp [^\n]*: (No such file or directory|Permission denied)/.exec(error.said)?.[1];
    if (exec !== undefined) {
      const code = exec === "Permission denied" ? "EACCES" : "ENOENT";
      return new ChangeFailedError(
        `change command ${this.program} could not be started in the sandbox: ${code}`,
        `the runner's change command \`${this.program}\` could not be started in its sandbox (${code}); the runner's CHANGE_COMMAND (or AGENT_SANDBOX_READ_ONLY_PATHS, for a program outside /usr) needs fixing`,
      );
    }
    const said = error.said === "" ? "it printed nothing" : `it said: ${error.said.replace(/[`\u0000-\u001f]/g, " ")}`;
    return new ChangeFailedError(
      error.message,
      `the runner's agent sandbox (\`AGENT_SANDBOX=${error.sandbox}\`) failed before the change command \`${this.program}\` ran (${said}); the runner's operator needs to look at the sandbox`,
    );
  }

  private failed(exit: CommandExit, text: string): ChangeFailedError {
    const how = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with code ${exit.code}`;
    const tail = lastLines(text);
    const shown = tail === "" ? "It printed nothing." : `The last lines of its output:\n\n${markdownFence(tail)}`;
    return new ChangeFailedError(`change command ${this.program} ${how}`, `the change command \`${this.program}\` ${how}. ${shown}`);
  }

  private summary(text: string): string {
    const tail = lastLines(text);
    const head = `Ran the change command \`${this.program}\` (exit code 0).`;
    return tail === "" ? `${head} It printed nothing.` : `${head} The last lines of its output:\n\n${markdownFence(tail)}`;
  }

  /** Only the program's base name is shown: its arguments may be long or private. */
  private get program(): string {
    return path.basename(this.options.argv[0] ?? "").replace(/`/g, "'");
  }
}

function lastLines(text: string): string {
  const lines = text.trimEnd().split("\n");
  return lines
    .slice(-SUMMARY_LINES)
    .map((line) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 3)}...` : line))
    .join("\n");
}

/**
 * The tree's `.git`, shown read-only to the command. The worker made it
 * moments ago; anything but a real directory or file there means the tree is
 * not what the worker checked out, and the command must not run in it.
 */
async function repositoryMetadata(treeDir: string): Promise<string[]> {
  const stats = await lstat(path.join(treeDir, ".git")).catch(() => undefined);
  if (stats === undefined) return [];
  if (stats.isDirectory() || stats.isFile()) return [".git"];
  throw new Error(`the tree's .git in ${treeDir} is neither a directory nor a file`);
}

/** The instruction file must not end up in the commit, nor be editable as part of the tree. */
async function assertOutside(dir: string, tree: string): Promise<void> {
  const [realDir, realTree] = await Promise.all([realpath(dir), realpath(tree)]);
  if (realDir === realTree || realDir.startsWith(realTree + path.sep)) {
    throw new Error(`the instruction directory ${realDir} is inside the working tree ${realTree}`);
  }
}
