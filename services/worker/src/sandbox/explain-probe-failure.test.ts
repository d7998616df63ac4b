import { TaskTimeoutError } from "@agent-runner/core";
import { describe, expect, it } from "vitest";
import { explainProbeError, explainProbeFailure } from "./explain-probe-failure.js";

const FAILED = { code: 1, signal: null };

describe("explainProbeFailure", () => {
  it("names refused user namespaces and the switches that allow them", () => {
    // What bwrap 0.8 printed when run where user namespaces are exhausted (inside a sandbox with --disable-userns).
    const said = "bwrap: Creating new namespace failed: nesting depth or /proc/sys/user/max_*_namespaces exceeded (ENOSPC)\n";
    const cause = explainProbeFailure(said, FAILED);

    expect(cause).toContain("user namespaces are refused");
    expect(cause).toContain("max_*_namespaces exceeded");
    expect(cause).toContain("user.max_user_namespaces");
    expect(cause).toContain("apparmor_restrict_unprivileged_userns");
  });

  it("recognises the message of kernels that forbid unprivileged user namespaces", () => {
    const said =
      "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.";

    expect(explainProbeFailure(said, FAILED)).toContain("user namespaces are refused");
  });

  it("points at the container's masked /proc when a fresh /proc cannot be mounted", () => {
    const said = "bwrap: Can't mount proc on /newroot/proc: Operation not permitted";

    expect(explainProbeFailure(said, FAILED)).toContain("systempaths=unconfined");
  });

  it("quotes bwrap for anything else, and says when it printed nothing", () => {
    expect(explainProbeFailure("bwrap: Unknown option --frobnicate", FAILED)).toContain("said: bwrap: Unknown option --frobnicate");
    expect(explainProbeFailure("", { code: null, signal: "SIGSEGV" })).toBe(
      "bwrap could not run a trivial command: it was killed by SIGSEGV and printed nothing",
    );
  });
});

describe("explainProbeError", () => {
  it("says to install bubblewrap when the binary is missing", () => {
    const missing = Object.assign(new Error("spawn bwrap ENOENT"), { code: "ENOENT" });

    expect(explainProbeError(missing, "bwrap")).toBe("bwrap was not found: install bubblewrap (apt-get install bubblewrap)");
  });

  it("names a timeout and any other error", () => {
    expect(explainProbeError(new TaskTimeoutError(10_000), "bwrap")).toContain("within 10000 ms");
    expect(explainProbeError(new Error("boom"), "bwrap")).toBe("bwrap failed: boom");
  });
});
