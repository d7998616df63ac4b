import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { AdminHttpHandler } from "./admin/admin-http-handler.js";
import type { ApiHandler } from "./api/api-handler.js";
import { sendJson } from "./api/http-io.js";
import type { GitHttpHandler } from "./git/git-http-handler.js";
import { ADMIN_PREFIX, API_PREFIX, GIT_PREFIX } from "./sandbox-urls.js";

export interface SandboxHandlers {
  api: ApiHandler;
  git: GitHttpHandler;
  admin: AdminHttpHandler;
}

/**
 * Sends each request to the API, git or admin handler by path prefix. URLs are resolved
 * against the sandbox's own origin, which Link headers then use whatever Host the client sent.
 */
export function sandboxRequestListener(handlers: SandboxHandlers, origin: () => string): RequestListener {
  return (req, res) => {
    dispatch(handlers, req, res, origin()).catch((error: unknown) => {
      console.error("[github-sandbox] request failed:", error);
      if (!res.headersSent) sendJson(res, 500, {}, JSON.stringify({ message: "Server Error" }));
      else res.destroy();
    });
  };
}

async function dispatch(handlers: SandboxHandlers, req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
  const url = new URL(req.url ?? "/", origin);
  const path = url.pathname;
  if (under(path, API_PREFIX)) return handlers.api.handle(req, res, url, path.slice(API_PREFIX.length) || "/");
  if (under(path, GIT_PREFIX)) return handlers.git.handle(req, res, url, path.slice(GIT_PREFIX.length));
  if (under(path, ADMIN_PREFIX)) return handlers.admin.handle(req, res, path.slice(ADMIN_PREFIX.length));
  req.resume();
  sendJson(res, 404, {}, JSON.stringify({ message: "Not Found", documentation_url: "https://docs.github.com/rest" }));
}

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}
