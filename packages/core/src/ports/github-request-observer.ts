/** What the GitHub adapter reports about every HTTP exchange (for metrics). */
export interface GitHubRequestObserver {
  onResponse(event: {
    method: string;
    route: string;
    status: number;
    rateLimitRemaining: number | undefined;
    rateLimitLimit: number | undefined;
    rateLimitResource: string | undefined;
    durationSeconds: number;
  }): void;
}

/** Space writes out across the whole fleet; resolves when this write may go. */
export interface WriteBudget {
  acquire(signal?: AbortSignal): Promise<void>;
}
