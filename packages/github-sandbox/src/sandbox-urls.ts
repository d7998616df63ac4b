/** Where each face of the sandbox is served, derived from the listening origin. */
export interface SandboxUrls {
  /** `http://127.0.0.1:PORT` — also stands in for `https://github.com` in html_url fields. */
  origin: string;
  /** REST API root, as GitHub Enterprise serves it: `${origin}/api/v3`. */
  api: string;
  git: string;
  admin: string;
}

export const API_PREFIX = "/api/v3";
export const GIT_PREFIX = "/git";
export const ADMIN_PREFIX = "/_admin";

export function sandboxUrls(origin: string): SandboxUrls {
  return { origin, api: `${origin}${API_PREFIX}`, git: `${origin}${GIT_PREFIX}`, admin: `${origin}${ADMIN_PREFIX}` };
}
