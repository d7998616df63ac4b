import { sleep } from "@agent-runner/core";

export interface WaitForOptions {
  /** Pause between checks; default 100 ms. */
  readonly intervalMs?: number;
  /** Called before every check; throwing stops the wait at once (a dead process, say). */
  readonly abortIf?: () => void;
}

/**
 * Polls `check` until it returns something other than undefined/false. A check
 * that throws is tried again (the last error is named if time runs out).
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 60_000,
  what = "condition",
  options: WaitForOptions = {},
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    options.abortIf?.();
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(options.intervalMs ?? 100);
  }
  const cause = last instanceof Error ? `: ${last.message}` : "";
  throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(1)} s waiting for ${what}${cause}`);
}
