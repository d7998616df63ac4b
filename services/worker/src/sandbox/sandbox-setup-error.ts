import type { AgentSandboxKind, CommandExit } from "./agent-sandbox.js";

/** What of bwrap's own words a message keeps: its messages are one short line each. */
const SAID_MAX_CHARS = 500;

/**
 * The sandbox failed before the change command ran: bwrap could not set it up
 * (a bind source gone, namespaces refused) or could not execute the program.
 * Told apart from the command's own exit by bwrap's status descriptor, not by
 * the output, which the command could fake.
 */
export class SandboxSetupError extends Error {
  /** What the sandbox printed (bwrap's "bwrap: ..." lines), trimmed and bounded. */
  readonly said: string;

  constructor(
    readonly sandbox: AgentSandboxKind,
    said: string,
    readonly exit: CommandExit,
  ) {
    const trimmed = said.trim();
    const bounded = trimmed.length > SAID_MAX_CHARS ? `${trimmed.slice(0, SAID_MAX_CHARS - 3)}...` : trimmed;
    const how = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with code ${exit.code}`;
    super(`the agent sandbox AGENT_SANDBOX=${sandbox} failed before the change command ran: ${bounded === "" ? `it ${how}` : bounded}`);
    this.name = "SandboxSetupError";
    this.said = bounded;
  }
}
