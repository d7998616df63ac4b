import type { AnswerLedger } from "../answer-ledger.js";

/** The answer ledger in memory: `keys` holds what is claimed, for tests to look at. */
export class MemoryAnswerLedger implements AnswerLedger {
  readonly keys = new Set<string>();

  async claim(key: string): Promise<boolean> {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }

  async release(key: string): Promise<void> {
    this.keys.delete(key);
  }
}
