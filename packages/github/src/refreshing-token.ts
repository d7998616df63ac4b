export interface ExpiringToken {
  readonly token: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

export interface RefreshingTokenOptions {
  readonly mint: () => Promise<ExpiringToken>;
  /** How long before expiry a new token is minted. Default 5 minutes. */
  readonly refreshBeforeMs?: number;
  readonly now?: () => number;
  /** Told about every new token before anyone uses it (the scrubbers learn it here). */
  readonly onToken?: (token: string) => void;
}

const DEFAULT_REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * Keeps one expiring token (a GitHub App installation token: one hour) and
 * mints the next one before the current one expires, so no request, fetch or
 * push starts with a token about to die. Concurrent callers share one mint.
 * A token whose whole life is shorter than the margin is renewed at half its
 * life instead, rather than on every call.
 */
export class RefreshingToken {
  private readonly now: () => number;
  private readonly refreshBeforeMs: number;
  private current: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: RefreshingTokenOptions) {
    this.now = options.now ?? Date.now;
    this.refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  }

  get(): Promise<string> {
    if (this.current !== undefined && this.now() < this.current.refreshAt) return Promise.resolve(this.current.token);
    this.pending ??= this.mint().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async mint(): Promise<string> {
    const mintedAt = this.now();
    const next = await this.options.mint();
    const margin = Math.min(this.refreshBeforeMs, Math.max(0, next.expiresAt - mintedAt) / 2);
    this.options.onToken?.(next.token);
    this.current = { token: next.token, refreshAt: next.expiresAt - margin };
    return next.token;
  }
}
