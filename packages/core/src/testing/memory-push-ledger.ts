import type { PushLedger, PushRecord } from "../ports/push-ledger.js";

/** A push ledger in memory, for unit tests. */
export class MemoryPushLedger implements PushLedger {
  readonly records: PushRecord[] = [];

  async record(push: PushRecord): Promise<void> {
    this.records.push(push);
  }

  async has(push: PushRecord): Promise<boolean> {
    return this.records.some(
      (r) =>
        r.taskId === push.taskId &&
        `${r.repo.owner}/${r.repo.repo}`.toLowerCase() === `${push.repo.owner}/${push.repo.repo}`.toLowerCase() &&
        r.branch === push.branch &&
        r.sha === push.sha,
    );
  }
}
