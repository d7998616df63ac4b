/**
 * The configured sandbox cannot run here. Raised by probe() at start-up so the
 * worker refuses to start rather than quietly running the agent unconfined.
 */
export class SandboxUnavailableError extends Error {
  constructor(
    /** What is wrong, in words an operator can act on (a missing binary, refused user namespaces). */
    override readonly cause: string,
    sandbox = "bubblewrap",
  ) {
    super(
      `the agent sandbox AGENT_SANDBOX=${sandbox} does not work on this machine: ${cause}. ` +
        "Fix that, or set AGENT_SANDBOX=none to run the change command without a sandbox " +
        "(it can then read everything the worker can, its token included, and reach its network)",
    );
    this.name = "SandboxUnavailableError";
  }
}
