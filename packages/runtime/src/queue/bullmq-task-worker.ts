import { UnrecoverableError, Worker, type Job } from "bullmq";
import { FinalTaskFailure, TaskTimeoutError, currentSecrets, scrubText, type Secrets, type TaskJobContext, type TaskProcessor, type TaskResult } from "@agent-runner/core";
import type { RedisConnection } from "../redis/create-redis-connection.js";
import { TASK_QUEUE_NAME } from "./queue-names.js";
import { backoffDelay } from "./job-policy.js";

export type { TaskJobContext, TaskProcessor };

/** A close waits at most this long for the worker's start-up to settle (see startSettled). */
const START_SETTLE_BOUND_MS = 5_000;

export interface BullMqTaskWorkerOptions {
  readonly connection: RedisConnection;
  readonly prefix: string;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly backoffMs: number;
  /** How long a job's lock lives without renewal: a killed worker's job is taken back after ~this. */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly processor: TaskProcessor;
  /** TASK_RETRY_ON_TIMEOUT: whether a task that hit its timeout gets another attempt. */
  readonly retryOnTimeout?: boolean;
  readonly onError?: (error: Error) => void;
  /** Masked in a failed job's message and stack, which BullMQ stores in Redis and shows on the board. */
  readonly secrets?: Secrets;
}

/** Runs a TaskProcessor on BullMQ jobs: the only worker-side file that knows BullMQ. */
export class BullMqTaskWorker {
  private readonly worker: Worker;
  private readonly controllers = new Set<AbortController>();

  constructor(private readonly options: BullMqTaskWorkerOptions) {
    this.worker = new Worker(TASK_QUEUE_NAME, (job) => this.run(job), {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: false,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 15_000,
      // A job whose worker died is put back rather than failed, however often
      // that happens: every step is idempotent, so finishing it is always safe.
      maxStalledCount: 20,
      settings: {
        backoffStrategy: (attemptsMade, _type, error) => backoffDelay(attemptsMade, options.backoffMs, error),
      },
    });
    this.worker.on("error", (error) => options.onError?.(error));
  }

  start(): void {
    // run() resolves only when the worker closes; errors surface on "error".
    this.worker.run().catch((error: unknown) => this.options.onError?.(error as Error));
  }

  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  isRunning(): boolean {
    return this.worker.isRunning();
  }

  /**
   * Stops taking jobs and waits for the active ones. `force` aborts them
   * instead: their locks lapse and another worker picks them up.
   */
  async close(force = false): Promise<void> {
    if (force) for (const c of this.controllers) c.abort(new Error("worker shutting down"));
    await this.startSettled();
    await this.worker.close(force);
  }

  /**
   * BullMQ (5.81) drops its listeners when a worker closes: a start-up still
   * waiting for its version check on the shared connection would fail once
   * that connection ends, with nobody to hear it (an unhandled rejection). A
   * worker stopped moments after it started, on a slow Redis, waits for that
   * reply first; on a connection that is down it cannot come, so nothing waits.
   */
  private async startSettled(): Promise<void> {
    if (this.options.connection.status !== "ready") return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, START_SETTLE_BOUND_MS)));
    await Promise.race([this.worker.waitUntilReady().catch(() => undefined), bound]);
    clearTimeout(timer);
  }

  private async run(job: Job): Promise<TaskResult | void> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(new TaskTimeoutError(this.options.timeoutMs, this.options.retryOnTimeout ?? false)), this.options.timeoutMs);
    const context: TaskJobContext = {
      jobId: job.id ?? "",
      data: job.data,
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      signal: controller.signal,
    };
    try {
      // BullMQ stores what the processor returns as the job's returnvalue.
      return await this.options.processor(context);
    } catch (error) {
      throw scrubErrorInPlace(error instanceof FinalTaskFailure ? asUnrecoverable(error.cause) : error, currentSecrets(this.options.secrets ?? []));
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }
}

/**
 * BullMQ only skips the remaining attempts for an UnrecoverableError: the
 * task's own error from a FinalTaskFailure (the processor decided: a 404 from
 * GitHub, a refused push, the last attempt) is wrapped in one, keeping its
 * message and cause. The decision is the processor's alone; any other error
 * is left to BullMQ's attempts and back-off.
 */
function asUnrecoverable(error: unknown): UnrecoverableError {
  const wrapped = new UnrecoverableError(error instanceof Error ? error.message : String(error));
  wrapped.cause = error;
  return wrapped;
}

/**
 * The same object, so BullMQ still recognises an UnrecoverableError by its
 * class, with its message and stack (what BullMQ stores) masked.
 */
function scrubErrorInPlace(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error) || secrets.length === 0) return error;
  error.message = scrubText(error.message, secrets);
  if (error.stack !== undefined) error.stack = scrubText(error.stack, secrets);
  return error;
}

