import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck";
import type { GitHubTokenSource } from "@agent-runner/core";
import type { OctokitGitHubClientOptions } from "./octokit-client-options.js";
import { tokenSourceAuth } from "./token-source-auth.js";
import { numberHeader, stringHeader } from "./http-answers.js";

const ThrottledOctokit = Octokit.plugin(retry, throttling);
/** The plugins add nothing the adapter calls: it is typed as the plain REST client. */
export type OctokitClient = Octokit;
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/**
 * Octokit assembled once per client: retry and throttling plugins, the token
 * source, and one request hook that spends the fleet's write budget and reports
 * every answer to the observer (metrics, the rate-limit gauge).
 */
export function createOctokit(options: OctokitGitHubClientOptions): OctokitClient {
  const log = options.logger;
  const maxWait = options.maxInlineRateLimitWaitSeconds ?? 120;
  const octokit = new ThrottledOctokit({
    ...(options.tokenSource === undefined
      ? { auth: options.token }
      : { authStrategy: () => tokenSourceAuth(options.tokenSource as GitHubTokenSource) }),
    baseUrl: options.baseUrl,
    userAgent: options.userAgent ?? "agent-runner",
    request: options.fetch === undefined ? {} : { fetch: options.fetch },
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => log.warn({ source: "octokit" }, message),
      // Octokit logs every non-2xx answer (304s included) as an error; our code
      // decides what a failure means and logs it with context.
      error: (message: string) => log.debug({ source: "octokit" }, message),
    },
    retry: {
      retries: 3,
      retryAfterBaseValue: options.retryBaseMs ?? 1000,
      // 429 is a rate limit: the throttling plugin waits for its reset. Left to
      // plugin-retry it would be retried within milliseconds, ignoring the reset.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      id: "agent-runner",
      retryAfterBaseValue: 1000,
      fallbackSecondaryRateRetryAfter: 60,
      // The fleet-wide WriteBudget spaces writes; the plugin's own per-process
      // one-write-per-second group would only double-count.
      write: new Bottleneck.Group({ maxConcurrent: 10, minTime: 0 }),
      // Likewise its one-every-3-s group for writes that notify (PRs, comments): it
      // capped each process at 20 such writes a minute, ~10 tasks/min (bench/README.md).
      notifications: new Bottleneck.Group({ maxConcurrent: 10, minTime: 0 }),
      onRateLimit: (retryAfter: number, request: { method: string; url: string }, _o: unknown, retryCount: number) => {
        const wait = retryCount < 2 && retryAfter <= maxWait;
        log.warn({ retryAfter, method: request.method, route: request.url, wait }, "GitHub primary rate limit hit");
        return wait;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        request: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        const wait = retryCount < 2 && retryAfter <= maxWait;
        log.warn({ retryAfter, method: request.method, route: request.url, wait }, "GitHub secondary rate limit hit");
        return wait;
      },
    },
  });
  installHooks(octokit, options);
  return octokit;
}

function installHooks(octokit: OctokitClient, options: OctokitGitHubClientOptions): void {
  const { observer, writeBudget } = options;
  octokit.hook.wrap("request", async (request, endpoint) => {
    const method = endpoint.method.toUpperCase();
    if (writeBudget !== undefined && WRITE_METHODS.has(method)) await writeBudget.acquire();
    const started = performance.now();
    const report = (status: number, headers: Record<string, unknown> | undefined): void => {
      observer?.onResponse({
        method,
        route: endpoint.url,
        status,
        rateLimitRemaining: numberHeader(headers, "x-ratelimit-remaining"),
        rateLimitLimit: numberHeader(headers, "x-ratelimit-limit"),
        rateLimitResource: stringHeader(headers, "x-ratelimit-resource"),
        durationSeconds: (performance.now() - started) / 1000,
      });
    };
    try {
      const response = await request(endpoint);
      report(response.status, response.headers);
      return response;
    } catch (error) {
      const e = error as { status?: number; response?: { headers?: Record<string, unknown> } };
      report(typeof e.status === "number" ? e.status : 0, e.response?.headers);
      throw error;
    }
  });
}
