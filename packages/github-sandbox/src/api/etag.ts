import { createHash } from "node:crypto";

/**
 * A weak ETag of the response body, the form GitHub sends (`W/"<sha256 hex>"`).
 * With `credential`, the tag also depends on who asked: GitHub's ETags vary
 * with the Authorization header (`Vary: Accept, Authorization, Cookie`), so a
 * client whose token changes (an App's hourly installation token) gets a full
 * answer to its next conditional request.
 */
export function weakEtag(body: string, credential?: string): string {
  const hash = createHash("sha256").update(body);
  if (credential !== undefined) hash.update("\0").update(credential);
  return `W/"${hash.digest("hex")}"`;
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
