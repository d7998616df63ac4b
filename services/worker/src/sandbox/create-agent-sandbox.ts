import type { AgentSandbox, AgentSandboxKind } from "./agent-sandbox.js";
import { BubblewrapSandbox, type BubblewrapSandboxOptions } from "./bubblewrap-sandbox.js";
import { UnsandboxedRunner } from "./unsandboxed-runner.js";

export type AgentSandboxOptions = BubblewrapSandboxOptions;

/** The adapter for AGENT_SANDBOX; call probe() on it before taking tasks. */
export function createAgentSandbox(kind: AgentSandboxKind, options: AgentSandboxOptions = {}): AgentSandbox {
  return kind === "none" ? new UnsandboxedRunner() : new BubblewrapSandbox(options);
}
