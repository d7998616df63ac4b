import { toEpochSeconds } from "../github-time.js";
import type { RateLimitOptions } from "../types.js";

export interface RateLimitState {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds when the window resets. */
  reset: number;
}

interface Bucket {
  windowStart: number;
  used: number;
}

/**
 * GitHub's primary limit: a per-user budget of requests per window; the window starts with
 * the first request after the previous one expired.
 */
export class PrimaryRateLimit {
  private limit: number;
  private windowMs: number;
  private limitedStatus: 403 | 429;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions = { limit: 5000 }, private readonly now: () => number = Date.now) {
    this.limit = options.limit;
    this.windowMs = (options.windowSeconds ?? 3600) * 1000;
    this.limitedStatus = options.status ?? 403;
  }

  configure(options: RateLimitOptions): void {
    this.limit = options.limit;
    this.windowMs = (options.windowSeconds ?? 3600) * 1000;
    this.limitedStatus = options.status ?? 403;
    this.buckets.clear();
  }

  get status(): 403 | 429 {
    return this.limitedStatus;
  }

  exhausted(user: string): boolean {
    return this.peek(user).remaining <= 0;
  }

  /** Counts one request and returns the state after it. */
  consume(user: string): RateLimitState {
    this.bucket(user).used += 1;
    return this.peek(user);
  }

  peek(user: string): RateLimitState {
    const bucket = this.bucket(user);
    return {
      limit: this.limit,
      used: bucket.used,
      remaining: Math.max(0, this.limit - bucket.used),
      reset: toEpochSeconds(bucket.windowStart + this.windowMs),
    };
  }

  private bucket(user: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(user);
    if (!bucket || now >= bucket.windowStart + this.windowMs) {
      bucket = { windowStart: now, used: 0 };
      this.buckets.set(user, bucket);
    }
    return bucket;
  }
}
