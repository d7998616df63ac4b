import type { CancellationLedger, TaskRuns } from "../ports/task-runs.js";

/** Task runs and tracked tasks in memory, for unit tests. */
export class MemoryTaskRuns implements TaskRuns {
  readonly runs = new Map<string, number>();
  readonly tracking = new Map<string, number>();
  readonly fingerprints = new Map<string, string>();
  readonly held = new Set<string>();
  readonly targetRepos = new Map<string, string>();

  async current(taskId: string): Promise<number> {
    return this.runs.get(taskId) ?? 1;
  }

  async next(taskId: string): Promise<number> {
    const run = (await this.current(taskId)) + 1;
    this.runs.set(taskId, run);
    return run;
  }

  async track(taskId: string, issueNumber: number): Promise<void> {
    this.tracking.set(taskId, issueNumber);
  }

  async tracked(): Promise<ReadonlyMap<string, number>> {
    return new Map(this.tracking);
  }

  async untrack(taskId: string): Promise<void> {
    this.tracking.delete(taskId);
  }

  async setTarget(taskId: string, targetRepo: string): Promise<void> {
    this.targetRepos.set(taskId, targetRepo);
  }

  async target(taskId: string): Promise<string | undefined> {
    return this.targetRepos.get(taskId);
  }

  async targets(): Promise<ReadonlyMap<string, string>> {
    return new Map(this.targetRepos);
  }

  async fingerprint(taskId: string): Promise<string | undefined> {
    return this.fingerprints.get(taskId);
  }

  async setFingerprint(taskId: string, fingerprint: string): Promise<void> {
    this.fingerprints.set(taskId, fingerprint);
  }

  async hold(taskId: string): Promise<void> {
    this.held.add(taskId);
  }

  async release(taskId: string): Promise<void> {
    this.held.delete(taskId);
  }

  async isHeld(taskId: string): Promise<boolean> {
    return this.held.has(taskId);
  }
}

/** Cancel flags in memory, for unit tests. */
export class MemoryCancellationLedger implements CancellationLedger {
  readonly cancelled = new Set<string>();

  async cancel(jobId: string): Promise<void> {
    this.cancelled.add(jobId);
  }

  async isCancelled(jobId: string): Promise<boolean> {
    return this.cancelled.has(jobId);
  }
}
