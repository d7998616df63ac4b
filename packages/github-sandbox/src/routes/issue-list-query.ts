import { validationFailed } from "../api/api-error.js";
import type { IssueRecord } from "../state/records.js";

/**
 * The filters and ordering of `GET /repos/{owner}/{repo}/issues`. An unknown `state`, `sort`
 * or `direction` is a 422 (the spec declares one for this operation) rather than a silent
 * default, so a client typo cannot pass unnoticed.
 */
export function filterAndSortIssues(issues: IssueRecord[], query: URLSearchParams): IssueRecord[] {
  const state = pick(query.get("state"), ["open", "closed", "all"], "open", "state");
  const labels = splitList(query.get("labels"));
  const since = parseSince(query.get("since"));
  const creator = query.get("creator")?.toLowerCase();
  const sort = pick(query.get("sort"), ["created", "updated", "comments"], "created", "sort");
  const direction = pick(query.get("direction"), ["asc", "desc"], "desc", "direction");
  const matching = issues.filter(
    (issue) =>
      (state === "all" || issue.state === state) &&
      labels.every((name) => issue.labels.some((label) => label.name.toLowerCase() === name)) &&
      (since === undefined || issue.updatedAt >= since) &&
      (creator === undefined || issue.author.toLowerCase() === creator),
  );
  const key = (issue: IssueRecord) => (sort === "updated" ? issue.updatedAt : sort === "comments" ? issue.commentCount : issue.createdAt);
  const sign = direction === "asc" ? 1 : -1;
  return matching.sort((a, b) => sign * (key(a) - key(b) || a.number - b.number));
}

/** Comma-separated names, lower-cased for GitHub's case-insensitive label match. */
function splitList(value: string | null): string[] {
  if (!value) return [];
  return value
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

function parseSince(value: string | null): number | undefined {
  if (!value) return undefined;
  const parsed = Date.parse(value);
  // Timestamps are stored with milliseconds but shown to the second; compare at that resolution.
  return Number.isNaN(parsed) ? undefined : Math.floor(parsed / 1000) * 1000;
}

function pick<T extends string>(value: string | null, allowed: readonly T[], fallback: T, field: string): T {
  if (value === null) return fallback;
  if (!allowed.includes(value as T)) throw validationFailed([{ resource: "Issue", field, code: "invalid", value }]);
  return value as T;
}
