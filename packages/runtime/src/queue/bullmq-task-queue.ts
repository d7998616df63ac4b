import { Queue } from "bullmq";
import { jobIdForRun } from "@agent-runner/core";
import type { TaskJob } from "@agent-runner/core";
import type { RedisConnection } from "../redis/create-redis-connection.js";
import type { CancelResult, EnqueueResult, JobPhase, JobSnapshot, QueueState, TaskJobInspector, TaskQueue } from "@agent-runner/core";
import { TASK_QUEUE_NAME } from "./queue-names.js";
import { defaultJobOptions, type JobPolicy } from "./job-policy.js";

const STATES: QueueState[] = ["waiting", "active", "delayed", "failed", "completed", "prioritized", "paused"];

/** The BullMQ adapter of TaskQueue. */
export class BullMqTaskQueue implements TaskQueue, TaskJobInspector {
  readonly queue: Queue;

  constructor(
    private readonly connection: RedisConnection,
    private readonly prefix: string,
    policy: JobPolicy,
  ) {
    this.queue = new Queue(TASK_QUEUE_NAME, {
      connection,
      prefix,
      defaultJobOptions: defaultJobOptions(policy),
    });
  }

  async enqueue(tasks: readonly TaskJob[]): Promise<EnqueueResult> {
    const unique = [...new Map(tasks.map((t) => [jobIdForRun(t.taskId, t.run ?? 1), t])).entries()];
    if (unique.length === 0) return { added: [], duplicates: [] };
    // Existence is checked first only to count duplicates cheaply (one pipelined
    // EXISTS per job); correctness rests on BullMQ ignoring an add whose jobId exists.
    const existing = await this.existingJobIds(unique.map(([id]) => id));
    const fresh = unique.filter(([id]) => !existing.has(id));
    if (fresh.length > 0) {
      await this.queue.addBulk(fresh.map(([jobId, data]) => ({ name: "task", data, opts: { jobId } })));
    }
    return {
      added: fresh.map(([, t]) => t.taskId),
      duplicates: unique.filter(([id]) => existing.has(id)).map(([, t]) => t.taskId),
    };
  }

  async cancel(jobId: string): Promise<CancelResult> {
    const job = await this.queue.getJob(jobId);
    if (job === undefined) return "missing";
    const state = await job.getState();
    if (state === "active") return "active";
    if (state === "completed" || state === "failed") return "finished";
    try {
      await job.remove();
      return "removed";
    } catch {
      // Locked: a worker took it between the two reads; the cancel flag stops it.
      return "active";
    }
  }

  async phase(jobId: string): Promise<JobPhase> {
    const job = await this.queue.getJob(jobId);
    if (job === undefined) return "missing";
    const state = await job.getState();
    if (state === "active") return "active";
    if (state === "completed" || state === "failed") return "finished";
    return state === "unknown" ? "missing" : "pending";
  }

  async counts(): Promise<Record<QueueState, number>> {
    const counts = await this.queue.getJobCounts(...STATES);
    return Object.fromEntries(STATES.map((s) => [s, counts[s] ?? 0])) as Record<QueueState, number>;
  }

  async oldestWaitingAgeSeconds(): Promise<number> {
    // The wait list is LPUSHed: its oldest job is at the end, so this reads one job.
    const [oldest] = await this.queue.getWaiting(-1, -1);
    return oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest.timestamp) / 1000);
  }

  async inspect(jobId: string): Promise<JobSnapshot | undefined> {
    const job = await this.queue.getJob(jobId);
    if (job === undefined) return undefined;
    const state = await job.getState();
    // "waiting-children" and "unknown" are no state of a task job: read as waiting, so nothing acts on it.
    const known: QueueState = (STATES as string[]).includes(state) ? (state as QueueState) : "waiting";
    return { state: known, startedAt: job.processedOn, finishedAt: job.finishedOn, result: job.returnvalue as unknown };
  }

  async activeJobs(limit: number): Promise<{ jobId: string; startedAt: number | undefined }[]> {
    if (limit <= 0) return [];
    const jobs = await this.queue.getActive(0, limit - 1);
    return jobs
      .map((job) => ({ jobId: job.id ?? "", startedAt: job.processedOn }))
      .filter((job) => job.jobId !== "")
      .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
  }

  /** Closes the queue; the connection stays open for whoever shares it (the system tests' queues). */
  async close(): Promise<void> {
    await this.queue.close();
  }

  /**
   * Ends the shared connection, then the queue: for a service stopping, or
   * failing to start, while the queue may still be starting. BullMQ (5.81)
   * drops its listeners when a queue closes, so a start-up still waiting on
   * Redis (its version check) would fail afterwards with nobody to hear it,
   * an unhandled rejection. Ended first, the connection settles that start.
   */
  async closeWithConnection(): Promise<void> {
    this.connection.disconnect();
    await this.queue.waitUntilReady().catch(() => undefined);
    await this.queue.close();
  }

  private async existingJobIds(ids: string[]): Promise<Set<string>> {
    const keyPrefix = `${this.prefix}:${TASK_QUEUE_NAME}:`;
    const found = new Set<string>();
    // Chunked so a 10,000-issue first poll does not build one giant pipeline.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const pipeline = this.connection.pipeline();
      for (const id of chunk) pipeline.exists(`${keyPrefix}${id}`);
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([, exists], j) => {
        if (exists === 1 && chunk[j] !== undefined) found.add(chunk[j]);
      });
    }
    return found;
  }
}
