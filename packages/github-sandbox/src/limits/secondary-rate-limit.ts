import type { SecondaryLimitOptions } from "../types.js";

/**
 * GitHub's secondary ("content creation") limit, modelled as N writes per user per sliding
 * window. Off unless configured.
 */
export class SecondaryRateLimit {
  private options: SecondaryLimitOptions | null = null;
  private readonly writes = new Map<string, number[]>();
  private hitCount = 0;

  constructor(private readonly now: () => number = Date.now) {}

  configure(options: SecondaryLimitOptions | null): void {
    this.options = options;
    this.writes.clear();
  }

  /** Records a write; returns the retry-after seconds when it is over the limit (and then does not record it). */
  admit(user: string): number | undefined {
    if (!this.options) return undefined;
    const now = this.now();
    const windowMs = this.options.windowSeconds * 1000;
    const recent = (this.writes.get(user) ?? []).filter((at) => at > now - windowMs);
    if (recent.length >= this.options.writes) {
      this.writes.set(user, recent);
      this.hitCount += 1;
      return this.options.retryAfterSeconds ?? this.options.windowSeconds;
    }
    recent.push(now);
    this.writes.set(user, recent);
    return undefined;
  }

  hits(): number {
    return this.hitCount;
  }
}
