import type { SandboxAdmin } from "../types.js";
import { ADMIN_METHODS, type SandboxInfo } from "./admin-methods.js";

/** SandboxAdmin across processes: every method returns a promise of the JSON result. */
export type RemoteSandboxAdmin = {
  [K in keyof SandboxAdmin]: (...args: Parameters<SandboxAdmin[K]>) => Promise<Awaited<ReturnType<SandboxAdmin[K]>>>;
} & {
  info(): Promise<SandboxInfo>;
};

/**
 * A typed client for a sandbox's `/_admin` API (e.g. one started with `pnpm sandbox`).
 * `url` is the admin URL (`http://127.0.0.1:PORT/_admin`), the origin, or the API URL;
 * `token` is the admin token or the owner token. `undefined` results arrive as null.
 */
export function createAdminClient(url: string, token: string): RemoteSandboxAdmin {
  const base = `${new URL(url).origin}/_admin`;
  const headers = { authorization: `token ${token}`, "content-type": "application/json" };
  const request = async (path: string, init: RequestInit): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, { ...init, headers });
    const payload = (await response.json()) as { result?: unknown; error?: string };
    if (!response.ok) throw new Error(`sandbox admin ${path}: ${payload.error ?? response.status}`);
    return path === "/info" ? payload : payload.result;
  };
  const client: Record<string, unknown> = {
    info: () => request("/info", { method: "GET" }),
  };
  for (const method of ADMIN_METHODS) {
    client[method] = (...args: unknown[]) => request(`/rpc/${method}`, { method: "POST", body: JSON.stringify({ args: args.map(jsonSafe) }) });
  }
  return client as RemoteSandboxAdmin;
}

/** `Infinity` (a fault count) does not survive JSON; -1 means the same to the sandbox. */
function jsonSafe(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (copy["count"] === Infinity) copy["count"] = -1;
  return copy;
}
