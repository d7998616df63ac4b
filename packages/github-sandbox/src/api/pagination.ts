export interface Page<T> {
  items: T[];
  /** The `Link` header, when there is more than one page. */
  link?: string;
}

const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;

/**
 * GitHub's page-number pagination: `per_page` (default 30, at most 100; junk means default)
 * and `page` (from 1). The Link header carries prev/next/last/first like GitHub's.
 */
export function paginate<T>(items: T[], query: URLSearchParams, selfUrl: string): Page<T> {
  const perPage = clamp(parsePositive(query.get("per_page")) ?? DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
  const page = parsePositive(query.get("page")) ?? 1;
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const pageItems = items.slice((page - 1) * perPage, page * perPage);
  const link = linkHeader(query, selfUrl, page, lastPage);
  return link ? { items: pageItems, link } : { items: pageItems };
}

function linkHeader(query: URLSearchParams, selfUrl: string, page: number, lastPage: number): string | undefined {
  const links: string[] = [];
  const to = (target: number, rel: string) => {
    const params = new URLSearchParams(query);
    params.set("page", String(target));
    links.push(`<${selfUrl}?${params.toString()}>; rel="${rel}"`);
  };
  if (page > 1) to(Math.min(page - 1, lastPage), "prev");
  if (page < lastPage) to(page + 1, "next");
  if (page < lastPage) to(lastPage, "last");
  if (page > 1) to(1, "first");
  return links.length > 0 ? links.join(", ") : undefined;
}

function parsePositive(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const number = Number(value);
  return number >= 1 ? number : undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
