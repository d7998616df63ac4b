import { describe, expect, it } from "vitest";
import { SANDBOX_IDENTITY, sandboxGroup, sandboxHosts, sandboxPasswd } from "./sandbox-identity-files.js";

describe("sandbox identity files", () => {
  it("list the agent user with its private home and nothing of the host's accounts", () => {
    expect(sandboxPasswd(SANDBOX_IDENTITY)).toContain("agent:x:1000:1000:agent:/home/agent:/bin/sh\n");
    expect(sandboxPasswd(SANDBOX_IDENTITY).split("\n").filter(Boolean)).toHaveLength(3);
    expect(sandboxGroup(SANDBOX_IDENTITY)).toContain("agent:x:1000:\n");
  });

  it("resolve localhost and the sandbox's own hostname", () => {
    expect(sandboxHosts(SANDBOX_IDENTITY)).toMatch(/^127\.0\.0\.1\tlocalhost$/m);
    expect(sandboxHosts(SANDBOX_IDENTITY)).toMatch(/^127\.0\.1\.1\tsandbox$/m);
  });
});
