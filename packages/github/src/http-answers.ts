import { GitHubApiError } from "@agent-runner/core";

/** How GitHub's failed answers become domain errors (GitHubApiError, "already exists"), and the headers read for them. */

export function toGitHubApiError(route: string, error: unknown): unknown {
  const e = error as {
    name?: string;
    status?: unknown;
    message?: unknown;
    response?: { headers?: Record<string, unknown>; data?: unknown };
  };
  if (e === null || typeof e !== "object" || typeof e.status !== "number") return error;
  const headers = e.response?.headers;
  const data = e.response?.data as { message?: unknown; errors?: { message?: unknown }[] } | undefined;
  const detail = [data?.message, ...(data?.errors ?? []).map((x) => x.message)]
    .filter((x): x is string => typeof x === "string")
    .join("; ");
  const retryAfter = numberHeader(headers, "retry-after");
  const remaining = numberHeader(headers, "x-ratelimit-remaining");
  const reset = numberHeader(headers, "x-ratelimit-reset");
  const secondary = /secondary rate limit/i.test(detail);
  const primary = (e.status === 403 || e.status === 429) && remaining === 0;
  const retryAfterSeconds =
    retryAfter ?? (primary && reset !== undefined ? Math.max(0, reset - Math.floor(Date.now() / 1000)) + 1 : undefined);
  return new GitHubApiError({
    status: e.status,
    route,
    message: detail === "" ? String(e.name ?? "request failed") : detail,
    retryAfterSeconds,
    rateLimited: secondary || primary || e.status === 429,
  });
}

/** GitHub's answer to a second open PR for one head: 422 "A pull request already exists for owner:branch." */
export function isPullAlreadyExists(error: unknown): boolean {
  return error instanceof GitHubApiError && error.status === 422 && /pull request already exists/i.test(error.message);
}

export function numberHeader(headers: Record<string, unknown> | undefined, name: string): number | undefined {
  const value = headers?.[name];
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function stringHeader(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === "string" ? value : undefined;
}
