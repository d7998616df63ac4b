export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly what: string;
  /** Called on every round; throwing stops the wait at once (a dead process, say). */
  readonly abortIf?: () => void;
}

/** Polls `check` until it returns something other than undefined/false. */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.abortIf?.();
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}`);
    await sleep(options.intervalMs ?? 200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
