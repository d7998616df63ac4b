import type { OwnCommentTally } from "../ports/own-comment-tally.js";

export class MemoryOwnCommentTally implements OwnCommentTally {
  readonly counts = new Map<number, number>();

  add(issueNumber: number): Promise<void> {
    this.counts.set(issueNumber, (this.counts.get(issueNumber) ?? 0) + 1);
    return Promise.resolve();
  }

  count(issueNumber: number): Promise<number> {
    return Promise.resolve(this.counts.get(issueNumber) ?? 0);
  }
}
