import type { RequestLogEntry } from "@agent-runner/github-sandbox";

export const LIST_ISSUES_ROUTE = "GET /repos/{owner}/{repo}/issues";
const ADD_LABELS_ROUTE = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels";
export const WRITE_METHODS: ReadonlySet<string> = new Set(["POST", "PATCH", "PUT", "DELETE"]);

export interface CallSummary {
  /** Requests that counted against the primary rate limit. */
  readonly rateLimited: number;
  /** Rate-limited requests of the poller's listing (the poll's share). */
  readonly pollRateLimited: number;
  /** Listing requests answered 304 (free). */
  readonly pollNotModified: number;
  /** Content-creating API requests (what the secondary limit counts). */
  readonly writes: number;
  /** Requests answered by the secondary limit. */
  readonly secondaryLimited: number;
  /** Git smart-HTTP requests (not rate-limited on GitHub either). */
  readonly git: number;
  readonly rateLimitedByRoute: Readonly<Record<string, number>>;
}

/** Counts the API economy of the requests that arrived within [fromMs, toMs]. */
export function summarizeCalls(entries: readonly RequestLogEntry[], fromMs: number, toMs: number): CallSummary {
  let rateLimited = 0;
  let pollRateLimited = 0;
  let pollNotModified = 0;
  let writes = 0;
  let secondaryLimited = 0;
  let git = 0;
  const byRoute: Record<string, number> = {};
  for (const e of entries) {
    if (e.at < fromMs || e.at > toMs) continue;
    if (e.kind === "git") {
      git++;
      continue;
    }
    if (e.limited === "secondary") secondaryLimited++;
    if (WRITE_METHODS.has(e.method)) writes++;
    if (e.route === LIST_ISSUES_ROUTE && e.status === 304) pollNotModified++;
    if (!e.rateLimited) continue;
    rateLimited++;
    if (e.route === LIST_ISSUES_ROUTE) pollRateLimited++;
    byRoute[e.route] = (byRoute[e.route] ?? 0) + 1;
  }
  return { rateLimited, pollRateLimited, pollNotModified, writes, secondaryLimited, git, rateLimitedByRoute: byRoute };
}

/**
 * When each dispatch issue got its processed label (the last write of a task):
 * issue number → epoch ms at which the successful request finished.
 */
export function labelledAt(entries: readonly RequestLogEntry[], dispatchPath: string): Map<number, number> {
  const done = new Map<number, number>();
  const pattern = new RegExp(`^${escapeRegExp(dispatchPath)}/issues/(\\d+)/labels$`);
  for (const e of entries) {
    if (e.route !== ADD_LABELS_ROUTE || e.status !== 200) continue;
    const number = Number(pattern.exec(e.path)?.[1]);
    if (Number.isInteger(number) && !done.has(number)) done.set(number, e.at + e.durationMs);
  }
  return done;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
