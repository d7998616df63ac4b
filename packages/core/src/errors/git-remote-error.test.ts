import { describe, expect, it } from "vitest";
import { GitRemoteError } from "./git-remote-error.js";

describe("GitRemoteError", () => {
  it("carries its kind, name, message and cause", () => {
    const cause = new Error("remote hung up");
    const error = new GitRemoteError("network", "push to acme/web failed", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ kind: "network", name: "GitRemoteError", message: "push to acme/web failed" });
    expect(error.cause).toBe(cause);
  });
});
