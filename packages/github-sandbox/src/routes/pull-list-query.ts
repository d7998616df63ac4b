import { validationFailed } from "../api/api-error.js";
import type { IssueRecord, RepoRecord } from "../state/records.js";

/**
 * Filters and ordering of `GET /repos/{owner}/{repo}/pulls`. `head` must be `owner:branch`;
 * a bare branch name is ignored, exactly as GitHub ignores it (a classic client bug).
 */
export function filterAndSortPulls(repo: RepoRecord, query: URLSearchParams): IssueRecord[] {
  const state = pick(query.get("state"), ["open", "closed", "all"], "open", "state");
  const head = parseHead(query.get("head"));
  const base = query.get("base");
  const sort = pick(query.get("sort"), ["created", "updated", "popularity", "long-running"], "created", "sort");
  const defaultDirection = sort === "created" ? "desc" : "asc";
  const direction = pick(query.get("direction"), ["asc", "desc"], defaultDirection, "direction");
  const pulls = [...repo.issues.values()].filter(
    (issue) =>
      issue.pull !== undefined &&
      (state === "all" || issue.state === state) &&
      (head === undefined || (head.owner === repo.owner.toLowerCase() && issue.pull.headRef === head.branch)) &&
      (base === null || issue.pull.baseRef === base),
  );
  const key = (issue: IssueRecord) => (sort === "updated" ? issue.updatedAt : issue.createdAt);
  const sign = direction === "asc" ? 1 : -1;
  return pulls.sort((a, b) => sign * (key(a) - key(b) || a.number - b.number));
}

function parseHead(value: string | null): { owner: string; branch: string } | undefined {
  const colon = value?.indexOf(":") ?? -1;
  if (value == null || colon < 0) return undefined;
  return { owner: value.slice(0, colon).toLowerCase(), branch: value.slice(colon + 1) };
}

function pick<T extends string>(value: string | null, allowed: readonly T[], fallback: T, field: string): T {
  if (value === null) return fallback;
  if (!allowed.includes(value as T)) throw validationFailed([{ resource: "PullRequest", field, code: "invalid", value }]);
  return value as T;
}
