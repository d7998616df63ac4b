import { describe, expect, it } from "vitest";
import { BubblewrapSandbox } from "./bubblewrap-sandbox.js";
import { createAgentSandbox } from "./create-agent-sandbox.js";
import { SandboxUnavailableError } from "./sandbox-unavailable-error.js";
import { UnsandboxedRunner } from "./unsandboxed-runner.js";

describe("createAgentSandbox", () => {
  it("makes the adapter for each kind", () => {
    expect(createAgentSandbox("bubblewrap")).toBeInstanceOf(BubblewrapSandbox);
    expect(createAgentSandbox("none")).toBeInstanceOf(UnsandboxedRunner);
    expect(createAgentSandbox("bubblewrap").name).toBe("bubblewrap");
    expect(createAgentSandbox("none").name).toBe("none");
  });

  it("shows read-only files at their sandbox paths under bubblewrap, and at their host paths without a sandbox", () => {
    const file = { hostPath: "/tmp/i/instruction.md", sandboxPath: "/run/agent/instruction.md" };

    expect(createAgentSandbox("bubblewrap").pathInside(file)).toBe("/run/agent/instruction.md");
    expect(createAgentSandbox("none").pathInside(file)).toBe("/tmp/i/instruction.md");
  });
});

describe("SandboxUnavailableError", () => {
  it("carries the cause and tells the operator about AGENT_SANDBOX=none", () => {
    const error = new SandboxUnavailableError("bwrap was not found: install bubblewrap");

    expect(error).toBeInstanceOf(Error);
    expect(error.cause).toBe("bwrap was not found: install bubblewrap");
    expect(error.message).toContain("AGENT_SANDBOX=bubblewrap does not work on this machine: bwrap was not found");
    expect(error.message).toContain("AGENT_SANDBOX=none");
  });
});
