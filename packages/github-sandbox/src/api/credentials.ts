/**
 * The token in an Authorization header: `token X`, `Bearer X`, or Basic with any username
 * and the token as password (how git and some clients send it). Scheme names are case-insensitive.
 */
export function tokenFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme = "", value = ""] = header.trim().split(/\s+/, 2);
  switch (scheme.toLowerCase()) {
    case "token":
    case "bearer":
      return value || undefined;
    case "basic":
      return passwordFromBasic(value);
    default:
      return undefined;
  }
}

function passwordFromBasic(encoded: string): string | undefined {
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(colon + 1) || undefined;
}
