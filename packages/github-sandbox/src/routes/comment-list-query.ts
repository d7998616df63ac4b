import { validationFailed } from "../api/api-error.js";

/** What the repository-wide comment listings filter and order on. */
interface ListedComment {
  id: number;
  createdAt: number;
  updatedAt: number;
}

export interface CommentListRules {
  /** The `resource` of a 422 for a bad value. */
  resource: string;
  /** `sort` values the operation takes, each naming the time it orders by. */
  sorts: Readonly<Record<string, "createdAt" | "updatedAt">>;
  /** The order without `sort` (GitHub: oldest first, by id). */
  defaultSort: "createdAt" | "id";
}

/**
 * The filters and ordering of a repository-wide comment listing: `since` (compared to the second,
 * as GitHub shows times, on `updated_at`), `sort` and `direction` (asc|desc, ignored without
 * `sort`, as on GitHub; desc by default with it). An unknown value is a 422, as on GitHub.
 */
export function filterAndSortComments<T extends ListedComment>(comments: T[], query: URLSearchParams, rules: CommentListRules): T[] {
  const sinceRaw = query.get("since");
  const since = sinceRaw ? Date.parse(sinceRaw) : Number.NaN;
  const sortValue = query.get("sort");
  if (sortValue !== null && !Object.hasOwn(rules.sorts, sortValue)) throw invalid(rules, "sort", sortValue);
  const direction = sortValue === null ? "asc" : pick(query.get("direction"), rules);
  const key = sortValue === null ? rules.defaultSort : (rules.sorts[sortValue] ?? rules.defaultSort);
  const matching = comments.filter((c) => Number.isNaN(since) || c.updatedAt >= Math.floor(since / 1000) * 1000);
  const sign = direction === "asc" ? 1 : -1;
  return matching.sort((a, b) => sign * (a[key] - b[key] || a.id - b.id));
}

function pick(value: string | null, rules: CommentListRules): "asc" | "desc" {
  if (value === null) return "desc";
  if (value !== "asc" && value !== "desc") throw invalid(rules, "direction", value);
  return value;
}

function invalid(rules: CommentListRules, field: string, value: string) {
  return validationFailed([{ resource: rules.resource, field, code: "invalid", value }]);
}
