import type { DefaultJobOptions } from "bullmq";

export interface JobPolicy {
  readonly attempts: number;
  /** First retry delay; later ones double (capped). */
  readonly backoffMs: number;
}

export const BACKOFF_TYPE = "agent-runner";
export const MAX_BACKOFF_MS = 10 * 60_000;

export function defaultJobOptions(policy: JobPolicy): DefaultJobOptions {
  return {
    attempts: policy.attempts,
    backoff: { type: BACKOFF_TYPE, delay: policy.backoffMs },
    // Finished jobs are the duplicate guard for their task id: keep them for a
    // month so a still-open issue is never enqueued twice, but bound the count.
    removeOnComplete: { age: 30 * 24 * 3600, count: 50_000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 50_000 },
  };
}

/**
 * Exponential back-off that never retries sooner than GitHub asked
 * (retry-after / rate-limit reset carried by the error).
 */
export function backoffDelay(attemptsMade: number, baseMs: number, error: unknown): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(attemptsMade - 1, 0), MAX_BACKOFF_MS);
  const jitter = Math.floor(Math.random() * Math.min(baseMs, 1000));
  const retryAfterSeconds = (error as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  const asked = typeof retryAfterSeconds === "number" ? retryAfterSeconds * 1000 : 0;
  return Math.max(exponential + jitter, asked);
}
