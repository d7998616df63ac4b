import { raceAbort } from "./abort-error.js";

/**
 * One async mutex per key, for work inside a single process. Jobs of the same
 * process queue here instead of polling the on-disk lock against each other.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async runExclusive<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The next holder waits for `previous` AND us, so releasing early (on abort)
    // never lets it overtake a holder that is still running.
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      await raceAbort(previous, signal);
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
