import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Sandbox } from "@agent-runner/github-sandbox";
import type { Redis } from "ioredis";
import { deleteKeysWithPrefix, REDIS_URL, ServiceProcess, uniquePrefix, waitFor, type LogLine } from "@agent-runner/test-kit";
import { openQueue } from "./task-queue.js";
import { ORG, processedCount } from "./bench-sandbox.js";
import type { CleanupStack } from "./cleanup-stack.js";
import { processCpu } from "./cpu-usage.js";

/** A stopping worker finishes its active jobs first; after this it is killed. */
const STOP_GRACE_MS = 20_000;

export interface FleetOptions {
  readonly scenario: string;
  readonly sandbox: Sandbox;
  readonly dispatch: string;
  readonly workers: number;
  readonly concurrency: number;
  readonly pollIntervalSeconds: number;
  /** GITHUB_WRITES_PER_MINUTE; 0 (unthrottled) unless a scenario measures the budget. */
  readonly writesPerMinute?: number;
  readonly logLevel?: string;
  readonly redis: Redis;
  readonly cleanup: CleanupStack;
  readonly onWorkerLine?: (worker: number, line: LogLine) => void;
  readonly onPollerLine?: (line: LogLine) => void;
  readonly workerNodeArgs?: readonly string[];
  /** Where the services' WORKSPACE_DIRs (and logs) go; default the system's temp directory. */
  readonly workspaceRoot?: string;
  /** More variables for every service (e.g. the poller's webhook settings). */
  readonly extraEnv?: Readonly<Record<string, string>>;
}

/**
 * Worker processes and (on demand) a poller process sharing one queue prefix,
 * each worker with a workspace of its own, as separate hosts would have.
 * Everything it starts is stopped, and its Redis keys and directories
 * deleted, by the cleanup stack it was given.
 */
export class Fleet {
  readonly workers: ServiceProcess[] = [];
  poller: ServiceProcess | undefined;
  /** Epoch ms just before the poller process was spawned. */
  pollerStartedAt: number | undefined;

  private constructor(
    readonly prefix: string,
    readonly dir: string,
    private readonly options: FleetOptions,
  ) {}

  static async start(options: FleetOptions, startPoller = true): Promise<Fleet> {
    const prefix = uniquePrefix(`bench-${options.scenario}`);
    const dir = await mkdtemp(path.join(options.workspaceRoot ?? os.tmpdir(), `ar-bench-${options.scenario}-`));
    // BENCH_KEEP_LOGS=1 keeps the services' logs (and workspaces) for a post-mortem or a profile.
    if (process.env["BENCH_KEEP_LOGS"] === "1") options.cleanup.defer(`report ${dir}`, () => void process.stderr.write(`[bench] kept ${dir}\n`));
    else options.cleanup.defer(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    options.cleanup.defer(`delete Redis keys ${prefix}`, async () => void (await deleteKeysWithPrefix(options.redis, prefix)));
    const fleet = new Fleet(prefix, dir, options);
    options.cleanup.defer(`stop the ${options.scenario} services`, () => fleet.stop());
    await fleet.startWorkers();
    if (startPoller) await fleet.startPoller();
    return fleet;
  }

  get logDir(): string {
    return path.join(this.dir, "logs");
  }

  env(workspaceDir: string): Record<string, string> {
    const o = this.options;
    return {
      GITHUB_TOKEN: o.sandbox.tokens.owner,
      GITHUB_API_URL: o.sandbox.apiUrl,
      DISPATCH_REPO: `${ORG}/${o.dispatch}`,
      REDIS_URL,
      QUEUE_PREFIX: this.prefix,
      POLL_INTERVAL_SECONDS: String(o.pollIntervalSeconds),
      WORKER_CONCURRENCY: String(o.concurrency),
      WORKSPACE_DIR: workspaceDir,
      LOG_LEVEL: o.logLevel ?? process.env["BENCH_SERVICE_LOG_LEVEL"] ?? "warn",
      GITHUB_WRITES_PER_MINUTE: String(o.writesPerMinute ?? 0),
      ...o.extraEnv,
    };
  }

  async startPoller(): Promise<void> {
    await mkdir(this.logDir, { recursive: true });
    this.pollerStartedAt = Date.now();
    this.poller = await ServiceProcess.start({
      kind: "poller",
      name: "poller",
      env: this.env(path.join(this.dir, "poller")),
      logFile: path.join(this.logDir, "poller.log"),
      keepLines: false,
      ...(this.options.onPollerLine === undefined ? {} : { onLine: this.options.onPollerLine }),
    });
  }

  /** Throws when any of its processes has died (so waits fail fast, with the process's last words). */
  assertAlive(): void {
    for (const w of this.workers) w.assertAlive();
    this.poller?.assertAlive();
  }

  /** Waits until `count` issues of the dispatch repository carry the processed label. */
  async waitForProcessed(count: number, timeoutMs: number): Promise<void> {
    const { sandbox, dispatch } = this.options;
    let best = 0;
    let progressAt = Date.now();
    await waitFor(
      () => {
        const done = processedCount(sandbox, dispatch);
        if (done > best) [best, progressAt] = [done, Date.now()];
        return done >= count;
      },
      timeoutMs,
      `${count} processed issues in ${dispatch}`,
      {
        intervalMs: 250,
        abortIf: () => {
          this.assertAlive();
          if (Date.now() - progressAt > 180_000) throw new Error(`no task finished for 3 minutes (${best}/${count} done)`);
        },
      },
    ).catch(async (error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; queue: ${await this.describeQueue()}; logs in ${this.logDir}`);
    });
  }

  /** Queue counts and the first failure reason: what a stuck run needs explained. */
  async describeQueue(): Promise<string> {
    const queue = openQueue(this.options.redis, this.prefix);
    try {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed", "completed");
      const [failed] = await queue.getFailed(0, 0);
      return `${JSON.stringify(counts)}${failed === undefined ? "" : `, first failure: ${failed.failedReason}`}`;
    } catch (error) {
      return `unavailable (${error instanceof Error ? error.message : String(error)})`;
    } finally {
      await queue.close();
    }
  }

  /** CPU seconds the live services have used so far (Linux), before they are stopped. */
  cpuSeconds(): { workers: number; poller: number } | undefined {
    const workers = this.workers.map((w) => (w.pid === undefined ? undefined : processCpu(w.pid)?.own));
    const poller = this.poller?.pid === undefined ? 0 : processCpu(this.poller.pid)?.own;
    if (poller === undefined || workers.some((w) => w === undefined)) return undefined;
    return { workers: workers.reduce<number>((sum, w) => sum + (w ?? 0), 0), poller };
  }

  async stop(): Promise<void> {
    const all = [...(this.poller === undefined ? [] : [this.poller]), ...this.workers];
    this.poller = undefined;
    this.workers.length = 0;
    await Promise.all(all.map((s) => s.stop(STOP_GRACE_MS)));
  }

  private async startWorkers(): Promise<void> {
    await mkdir(this.logDir, { recursive: true });
    const o = this.options;
    const started = await Promise.allSettled(
      Array.from({ length: o.workers }, (_, i) =>
        ServiceProcess.start({
          kind: "worker",
          name: `worker-${i}`,
          env: this.env(path.join(this.dir, `worker-${i}`)),
          logFile: path.join(this.logDir, `worker-${i}.log`),
          keepLines: false,
          ...(o.workerNodeArgs === undefined ? {} : { nodeArgs: o.workerNodeArgs }),
          ...(o.onWorkerLine === undefined ? {} : { onLine: (line: LogLine) => o.onWorkerLine?.(i, line) }),
        }),
      ),
    );
    for (const s of started) if (s.status === "fulfilled") this.workers.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }
}
