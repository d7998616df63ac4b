import { describe, expect, it } from "vitest";
import { classifyError, willRetry, type ErrorClass } from "./classify-error.js";
import { GitRemoteError, type GitRemoteErrorKind } from "./git-remote-error.js";
import { GitHubApiError } from "./github-api-error.js";
import { TaskTimeoutError } from "./task-timeout-error.js";
import {
  BranchConflictError,
  ChangeFailedError,
  InvalidTaskError,
  NoChangesError,
  RepoNotFoundError,
  TargetNotAllowedError,
  TaskCancelledError,
} from "./permanent-errors.js";

const apiError = (status: number, extra: { rateLimited?: boolean; retryAfterSeconds?: number } = {}) =>
  new GitHubApiError({ status, message: "nope", route: "GET /repos/{owner}/{repo}", ...extra });

const withCode = (code: string, message = "socket failure"): Error => Object.assign(new Error(message), { code });

describe("classifyError", () => {
  it.each<[string, GitHubApiError, ErrorClass]>([
    ["401 as permanent bad credentials", apiError(401), { kind: "permanent", reason: "bad_credentials" }],
    ["a plain 403 as permanent", apiError(403), { kind: "permanent", reason: "forbidden" }],
    [
      "a rate-limited 403 as rate limited, with its wait in milliseconds",
      apiError(403, { rateLimited: true, retryAfterSeconds: 60 }),
      { kind: "rate_limited", reason: "rate_limit", retryAfterMs: 60_000 },
    ],
    ["404 as permanent not found", apiError(404), { kind: "permanent", reason: "not_found" }],
    ["408 as transient", apiError(408), { kind: "transient", reason: "http_408" }],
    ["400 as permanent", apiError(400), { kind: "permanent", reason: "http_400" }],
    ["409 as transient", apiError(409), { kind: "transient", reason: "http_409" }],
    ["410 as permanent", apiError(410), { kind: "permanent", reason: "http_410" }],
    ["422 as permanent", apiError(422), { kind: "permanent", reason: "http_422" }],
    ["451 as permanent", apiError(451), { kind: "permanent", reason: "http_451" }],
    [
      "429 without retry-after as rate limited with no wait",
      apiError(429),
      { kind: "rate_limited", reason: "rate_limit", retryAfterMs: undefined },
    ],
    [
      "429 with retry-after as rate limited with its wait",
      apiError(429, { retryAfterSeconds: 3 }),
      { kind: "rate_limited", reason: "rate_limit", retryAfterMs: 3_000 },
    ],
    ["500 as transient", apiError(500), { kind: "transient", reason: "http_500" }],
    ["502 as transient", apiError(502), { kind: "transient", reason: "http_502" }],
    ["503 as transient", apiError(503), { kind: "transient", reason: "http_503" }],
    ["status 0 (no answer) as transient", apiError(0), { kind: "transient", reason: "http_0" }],
  ])("classifies a GitHub %s", (_name, error, expected) => {
    expect(classifyError(error)).toEqual(expected);
  });

  it.each<[GitRemoteErrorKind, ErrorClass]>([
    ["network", { kind: "transient", reason: "git_network" }],
    ["non_fast_forward", { kind: "transient", reason: "git_non_fast_forward" }],
    ["auth", { kind: "permanent", reason: "git_auth" }],
    ["forbidden", { kind: "permanent", reason: "git_forbidden" }],
    ["not_found", { kind: "permanent", reason: "git_not_found" }],
    ["rejected", { kind: "permanent", reason: "git_rejected" }],
  ])("classifies a git %s failure", (kind, expected) => {
    expect(classifyError(new GitRemoteError(kind, "push failed"))).toEqual(expected);
  });

  it.each([
    ["InvalidTaskError", new InvalidTaskError("x"), "invalid_task"],
    ["RepoNotFoundError", new RepoNotFoundError("x"), "repo_not_found"],
    ["TargetNotAllowedError", new TargetNotAllowedError("x"), "target_not_allowed"],
    ["ChangeFailedError", new ChangeFailedError("x"), "change_failed"],
    ["NoChangesError", new NoChangesError("x"), "no_changes"],
    ["BranchConflictError", new BranchConflictError("x"), "branch_conflict"],
    ["TaskCancelledError", new TaskCancelledError("x"), "cancelled"],
  ])("classifies a %s as permanent with its reason", (_name, error, reason) => {
    expect(classifyError(error)).toEqual({ kind: "permanent", reason });
  });

  it("classifies a task timeout as permanent unless the operator made timeouts retryable", () => {
    expect(classifyError(new TaskTimeoutError(60_000))).toEqual({ kind: "permanent", reason: "timeout" });
    expect(classifyError(new TaskTimeoutError(60_000, true))).toEqual({ kind: "transient", reason: "timeout" });
  });

  it.each(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_SOCKET"])(
    "classifies a node %s as a transient network failure",
    (code) => {
      expect(classifyError(withCode(code))).toEqual({ kind: "transient", reason: "network" });
    },
  );

  it("finds a network code nested in the cause chain", () => {
    const error = new Error("fetch failed", { cause: new Error("wrapped", { cause: withCode("ECONNRESET") }) });
    expect(classifyError(error)).toEqual({ kind: "transient", reason: "network" });
  });

  it("does not look past the first code it finds", () => {
    const error = Object.assign(new Error("outer"), { code: "ENOENT", cause: withCode("ECONNRESET") });
    expect(classifyError(error)).toEqual({ kind: "transient", reason: "unknown" });
  });

  it("terminates on an error that is its own cause", () => {
    const error = new Error("loop");
    (error as { cause?: unknown }).cause = error;
    expect(classifyError(error)).toEqual({ kind: "transient", reason: "unknown" });
  });

  it("terminates on a cycle of two causes", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classifyError(a)).toEqual({ kind: "transient", reason: "unknown" });
  });

  it("classifies an AbortError as transient", () => {
    const error = Object.assign(new Error("The operation was aborted"), { name: "AbortError" });
    expect(classifyError(error)).toEqual({ kind: "transient", reason: "aborted" });
  });

  it.each<[string, unknown]>([
    ["a plain Error", new Error("who knows")],
    ["a TypeError", new TypeError("undefined is not a function")],
    ["a thrown string", "boom"],
    ["undefined", undefined],
    ["null", null],
    ["an object with a numeric code", { code: 500 }],
    ["an unrelated error code", withCode("ENOENT")],
  ])("classifies %s as transient", (_name, error) => {
    expect(classifyError(error)).toEqual({ kind: "transient", reason: "unknown" });
  });
});

describe("willRetry", () => {
  const transient = apiError(503);

  it("retries a transient failure while attempts remain", () => {
    expect(willRetry(transient, 0, 3)).toBe(true);
    expect(willRetry(transient, 1, 3)).toBe(true);
  });

  it("does not retry a transient failure of the last attempt", () => {
    expect(willRetry(transient, 2, 3)).toBe(false);
  });

  it("never retries a permanent failure, however many attempts remain", () => {
    expect(willRetry(new RepoNotFoundError("gone"), 0, 5)).toBe(false);
  });

  it("retries a timeout only when the operator made timeouts retryable", () => {
    expect(willRetry(new TaskTimeoutError(1000, true), 0, 3)).toBe(true);
    expect(willRetry(new TaskTimeoutError(1000, false), 0, 3)).toBe(false);
  });
});
