import type { JobSnapshot, TaskJobInspector } from "../ports/task-queue.js";

/** Job snapshots set by hand, for unit tests of what reads the queue. */
export class FakeTaskJobInspector implements TaskJobInspector {
  readonly jobs = new Map<string, JobSnapshot>();

  async inspect(jobId: string): Promise<JobSnapshot | undefined> {
    return this.jobs.get(jobId);
  }

  async activeJobs(limit: number): Promise<{ jobId: string; startedAt: number | undefined }[]> {
    return [...this.jobs]
      .filter(([, job]) => job.state === "active")
      .map(([jobId, job]) => ({ jobId, startedAt: job.startedAt }))
      .slice(0, limit);
  }
}
