import { describe, expect, it } from "vitest";
import { gitFailureKind, pushRejectionKind } from "./git-failure-kind.js";

describe("gitFailureKind", () => {
  it.each([
    ["too many redirects or authentication replays", undefined, "auth"],
    ["remote authentication required but no callback set", -16, "auth"],
    ["unexpected http status code: 401", -1, "auth"],
    ["unexpected http status code: 403", -1, "forbidden"],
    ["unexpected http status code: 404", -1, "not_found"],
    ["remote: Repository not found.", -1, "not_found"],
    ["cannot push non-fastforwardable reference", -11, "non_fast_forward"],
    [
      "cannot push because a reference that you are trying to update on the remote contains commits that are not present locally.",
      -11,
      "non_fast_forward",
    ],
    ["unexpected http status code: 502", -1, "network"],
    ["failed to connect to 127.0.0.1: Connection refused", -1, "network"],
    ["SSL error: connection reset by peer", -1, "network"],
    ["early EOF", -1, "network"],
    ["the remote end hung up unexpectedly", -1, "network"],
    ["operation timed out", -37, "network"],
    ["pre-receive hook declined", -1, "rejected"],
    ["cannot redirect from '127.0.0.1' to 'localhost'", -1, "rejected"],
  ] as const)("classifies %j (errno %s) as %s", (message, errno, kind) => {
    expect(gitFailureKind(message, errno)).toBe(kind);
  });

  it("does not claim local failures such as a damaged pack as remote ones", () => {
    expect(gitFailureKind("error inflating zlib stream", -1)).toBeUndefined();
    expect(gitFailureKind("object not found - no match for id (abc)", -3)).toBeUndefined();
  });
});

describe("pushRejectionKind", () => {
  it("tells a stale branch from a refusal", () => {
    expect(pushRejectionKind("non-fast-forward")).toBe("non_fast_forward");
    expect(pushRejectionKind("fetch first")).toBe("non_fast_forward");
    expect(pushRejectionKind("pre-receive hook declined")).toBe("rejected");
    expect(pushRejectionKind("protected branch hook declined")).toBe("rejected");
  });
});
