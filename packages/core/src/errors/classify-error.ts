import { PermanentTaskError } from "./permanent-errors.js";
import { GitRemoteError } from "./git-remote-error.js";
import { GitHubApiError } from "./github-api-error.js";
import { TaskTimeoutError } from "./task-timeout-error.js";

export type ErrorClass =
  | { kind: "permanent"; reason: string }
  | { kind: "rate_limited"; reason: string; retryAfterMs: number | undefined }
  | { kind: "transient"; reason: string };

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * The one place that decides whether a failure is worth retrying.
 * Unknown errors are transient: retrying a bug a few times is cheaper than
 * dropping a task because of a hiccup nobody anticipated.
 */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof PermanentTaskError) return { kind: "permanent", reason: error.reason };
  if (error instanceof TaskTimeoutError) return { kind: error.retryable ? "transient" : "permanent", reason: "timeout" };
  if (error instanceof GitHubApiError) return classifyGitHubError(error);
  if (error instanceof GitRemoteError) return classifyGitError(error);
  const code = errorCode(error);
  if (code !== undefined && NETWORK_CODES.has(code)) return { kind: "transient", reason: "network" };
  if (error instanceof Error && error.name === "AbortError") return { kind: "transient", reason: "aborted" };
  return { kind: "transient", reason: "unknown" };
}

/**
 * Whether the queue will run this job again after `error`: the one answer the
 * failure comment, the job metric and the queue adapter all act on.
 * `attemptsMade` counts the attempts that failed before this one.
 */
export function willRetry(error: unknown, attemptsMade: number, maxAttempts: number): boolean {
  return classifyError(error).kind !== "permanent" && attemptsMade + 1 < maxAttempts;
}

function classifyGitHubError(error: GitHubApiError): ErrorClass {
  const retryAfterMs = error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000;
  if (error.rateLimited || error.status === 429) return { kind: "rate_limited", reason: "rate_limit", retryAfterMs };
  if (error.status >= 500 || error.status === 0) return { kind: "transient", reason: `http_${error.status}` };
  if (error.status === 408) return { kind: "transient", reason: "http_408" };
  if (error.status === 404) return { kind: "permanent", reason: "not_found" };
  if (error.status === 401) return { kind: "permanent", reason: "bad_credentials" };
  if (error.status === 403) return { kind: "permanent", reason: "forbidden" };
  if (error.status === 400 || error.status === 410 || error.status === 422 || error.status === 451) {
    return { kind: "permanent", reason: `http_${error.status}` };
  }
  return { kind: "transient", reason: `http_${error.status}` };
}

function classifyGitError(error: GitRemoteError): ErrorClass {
  switch (error.kind) {
    case "network":
      return { kind: "transient", reason: "git_network" };
    case "non_fast_forward":
      // Someone moved the branch under us: a retry re-reads it and builds on top.
      return { kind: "transient", reason: "git_non_fast_forward" };
    case "auth":
    case "forbidden":
    case "not_found":
    case "rejected":
      return { kind: "permanent", reason: `git_${error.kind}` };
  }
}

/** The first string `code` along the cause chain; cycles of any length end the walk. */
function errorCode(error: unknown): string | undefined {
  const seen = new Set<object>();
  let current = error;
  while (typeof current === "object" && current !== null && !seen.has(current)) {
    seen.add(current);
    const direct = (current as { code?: unknown }).code;
    if (typeof direct === "string") return direct;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
