import { runCommand, type CommandExit } from "../change/run-command.js";
import type { AgentSandbox, ReadOnlyFile, SandboxRunRequest } from "./agent-sandbox.js";

/**
 * AGENT_SANDBOX=none: the command runs as a plain child of the worker, in its
 * own process group. For operators who opt out explicitly (a host without user
 * namespaces, an agent that is already confined some other way). Nothing is
 * hidden: the command can read what the worker can read, write where the
 * worker can write and reach the worker's network, so `network` and the
 * read-only promise of `readOnlyFiles` are not enforced; files are seen at
 * their host paths.
 */
export class UnsandboxedRunner implements AgentSandbox {
  readonly name = "none";

  async probe(): Promise<void> {
    // Nothing to check: a plain child process always works.
  }

  run(request: SandboxRunRequest): Promise<CommandExit> {
    return runCommand({
      argv: request.argv,
      cwd: request.treeDir,
      env: request.env,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      killGraceMs: request.killGraceMs,
      onOutput: request.onOutput,
    });
  }

  pathInside(file: ReadOnlyFile): string {
    return file.hostPath;
  }
}
