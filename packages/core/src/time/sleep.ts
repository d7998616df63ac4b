/**
 * Resolves after `ms`; when `signal` fires first, rejects at once with the
 * signal's reason (as `signal.throwIfAborted()` would), so a timeout or a
 * shutdown reaches the caller as the error that caused it. Callers for whom
 * an abort simply ends the wait catch it.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
