import { createHash } from "node:crypto";

/** A weak ETag of the response body, the form GitHub sends (`W/"<sha256 hex>"`). */
export function weakEtag(body: string): string {
  return `W/"${createHash("sha256").update(body).digest("hex")}"`;
}

/** If-None-Match uses weak comparison: `W/` prefixes are ignored and `*` matches anything. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = stripWeak(etag);
  return ifNoneMatch.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || stripWeak(tag) === opaque;
  });
}

function stripWeak(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}
