import type { IncomingMessage, ServerResponse } from "node:http";
import { tokenFromAuthorization } from "../api/credentials.js";
import { readBody, sendJson } from "../api/http-io.js";
import type { SandboxAdmin } from "../types.js";
import { ADMIN_METHODS, type SandboxInfo } from "./admin-methods.js";

export interface AdminHttpDeps {
  admin: SandboxAdmin;
  /** Read per call: the URLs are known only once the server listens. */
  info: () => SandboxInfo;
  /** Tokens allowed here: the admin token and the owner's token. */
  acceptedTokens: ReadonlySet<string>;
}

const METHODS: ReadonlySet<string> = new Set(ADMIN_METHODS);

/**
 * `/_admin` over HTTP: `GET /info`, and `POST /rpc/<method>` with `{ "args": [...] }` answering
 * `{ "result": ... }` or `{ "error": "..." }` (400 for a failed call).
 */
export class AdminHttpHandler {
  constructor(private readonly deps: AdminHttpDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, adminPath: string): Promise<void> {
    const token = tokenFromAuthorization(req.headers.authorization);
    if (!token || !this.deps.acceptedTokens.has(token)) {
      req.resume();
      return sendJson(res, 401, {}, JSON.stringify({ error: "admin token required" }));
    }
    if (req.method === "GET" && adminPath === "/info") return sendJson(res, 200, {}, JSON.stringify(this.deps.info()));
    const method = /^\/rpc\/([A-Za-z]+)$/.exec(adminPath)?.[1];
    if (req.method !== "POST" || !method || !METHODS.has(method)) {
      req.resume();
      return sendJson(res, 404, {}, JSON.stringify({ error: `unknown admin call ${req.method} ${adminPath}` }));
    }
    await this.call(req, res, method as keyof SandboxAdmin);
  }

  private async call(req: IncomingMessage, res: ServerResponse, method: keyof SandboxAdmin): Promise<void> {
    try {
      const raw = (await readBody(req)).toString("utf8");
      const args = raw ? ((JSON.parse(raw) as { args?: unknown[] }).args ?? []) : [];
      const admin = this.deps.admin as unknown as Record<string, (...args: unknown[]) => unknown>;
      const result = await admin[method]?.(...args);
      sendJson(res, 200, {}, JSON.stringify({ result: result ?? null }));
    } catch (error) {
      sendJson(res, 400, {}, JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    }
  }
}
