import { randomBytes } from "node:crypto";
import type { RateLimitState } from "../limits/primary-rate-limit.js";

/** A request id shaped like GitHub's (`CF4D:2A3B:1C7E4F:1E6B2D:6560A1B2`). */
export function newRequestId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString("hex").toUpperCase();
  return `${hex(2)}:${hex(2)}:${hex(3)}:${hex(3)}:${hex(4)}`;
}

/** Headers GitHub puts on every REST response. */
export function githubHeaders(requestId: string, rate: RateLimitState): Record<string, string> {
  return {
    "x-github-request-id": requestId,
    "x-github-media-type": "github.v3; format=json",
    "x-github-api-version-selected": "2022-11-28",
    "x-ratelimit-limit": String(rate.limit),
    "x-ratelimit-remaining": String(rate.remaining),
    "x-ratelimit-used": String(rate.used),
    "x-ratelimit-reset": String(rate.reset),
    "x-ratelimit-resource": "core",
    vary: "Accept, Authorization, Cookie, X-GitHub-OTP",
    "x-content-type-options": "nosniff",
  };
}
