import { Octokit } from "@octokit/rest";
import type { Sandbox } from "../types.js";

/** The client we ship, pointed at a sandbox, with Octokit's request logging silenced. */
export function octokitFor(sandbox: Sandbox, token: string = sandbox.tokens.owner): Octokit {
  const quiet = () => undefined;
  return new Octokit({ baseUrl: sandbox.apiUrl, auth: token, log: { debug: quiet, info: quiet, warn: quiet, error: quiet } });
}

/** The status of a request Octokit rejected (RequestError), or the error itself when it was not one. */
export async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number") return status;
    throw error;
  }
  throw new Error("expected the request to fail");
}

/** The error document of a request Octokit rejected. */
export async function errorOf(promise: Promise<unknown>): Promise<{ status: number; data: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { status?: number; response?: { data?: Record<string, unknown>; headers?: Record<string, string> } };
    if (typeof failure.status !== "number") throw error;
    return { status: failure.status, data: failure.response?.data ?? {}, headers: failure.response?.headers ?? {} };
  }
  throw new Error("expected the request to fail");
}
