import type { Sandbox } from "@agent-runner/github-sandbox";
import type { Redis } from "ioredis";
import { createRepos, createTaskIssues, ORG, startBenchSandbox } from "./bench-sandbox.js";
import { CleanupStack } from "./cleanup-stack.js";
import { processCpu } from "./cpu-usage.js";
import { Fleet, type FleetOptions } from "./fleet.js";
import { labelledAt, LIST_ISSUES_ROUTE, summarizeCalls, WRITE_METHODS, type CallSummary } from "./request-log-stats.js";

export interface BatchOptions {
  readonly scenario: string;
  readonly tasks: number;
  readonly targets: number;
  readonly workers: number;
  readonly concurrency: number;
  readonly pollIntervalSeconds: number;
  readonly latencyMs: number;
  readonly writesPerMinute?: number;
  readonly redis: Redis;
  /** Called once the sandbox exists, before any issue is opened (to set limits, say). */
  readonly prepare?: (sandbox: Sandbox) => void;
  readonly fleet?: Partial<Pick<FleetOptions, "onWorkerLine" | "logLevel" | "workerNodeArgs">>;
  /** Runs while the batch is being processed (e.g. sampling memory); stopped when it is done. */
  readonly during?: (fleet: Fleet, signal: AbortSignal) => Promise<unknown>;
}

export interface BatchResult {
  /** Epoch ms of the poller's first listing request. */
  readonly firstPollAt: number;
  /** Epoch ms at which each task's processed label was written, in completion order. */
  readonly completions: number[];
  /** Epoch ms at which each content-creating API request arrived, in order. */
  readonly writeTimes: number[];
  readonly calls: CallSummary;
  readonly secondaryLimitHits: number;
  readonly duringResult: unknown;
  /** Where the CPU went (Linux only): what bounds throughput on a small machine. */
  readonly cpu: CpuSplit | undefined;
}

/** CPU seconds of one batch by consumer. */
export interface CpuSplit {
  readonly workers: number;
  readonly poller: number;
  /** The bench process: mostly the sandbox (GitHub's stand-in) serving the API and git. */
  readonly sandbox: number;
  /** git processes the sandbox ran (http-backend, upload-pack, receive-pack): GitHub's side of git. */
  readonly sandboxGit: number;
  /** The whole Redis server (shared: other users' load shows here too). */
  readonly redis: number;
}

/**
 * One batch end to end: a fresh sandbox and repositories, `tasks` labelled
 * issues opened at once, the workers started, then the poller; done when
 * every issue is labelled processed. Everything is torn down before returning.
 */
export async function runBatch(options: BatchOptions, timeoutMs: number): Promise<BatchResult> {
  const selfBefore = processCpu("self");
  const redisBefore = await redisCpuSeconds(options.redis);
  const result = await runBatchOnce(options, timeoutMs);
  const selfAfter = processCpu("self");
  const redisAfter = await redisCpuSeconds(options.redis);
  const services = result.servicesCpu;
  const cpu =
    selfBefore === undefined || selfAfter === undefined || services === undefined
      ? undefined
      : {
          ...services,
          sandbox: selfAfter.own - selfBefore.own,
          // Reaped children: the services (now stopped) and every git process the sandbox ran.
          sandboxGit: Math.max(0, selfAfter.children - selfBefore.children - services.workers - services.poller),
          redis: redisAfter - redisBefore,
        };
  return { ...result, cpu };
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field("used_cpu_user") + field("used_cpu_sys");
}

async function runBatchOnce(
  options: BatchOptions,
  timeoutMs: number,
): Promise<Omit<BatchResult, "cpu"> & { servicesCpu: { workers: number; poller: number } | undefined }> {
  const cleanup = new CleanupStack();
  try {
    const sandbox = await startBenchSandbox(cleanup, options.latencyMs);
    options.prepare?.(sandbox);
    const dispatch = "dispatch";
    const targets = await createRepos(sandbox, dispatch, options.targets);
    createTaskIssues(sandbox, dispatch, targets, options.tasks);
    const fleet = await Fleet.start({
      scenario: options.scenario,
      sandbox,
      dispatch,
      workers: options.workers,
      concurrency: options.concurrency,
      pollIntervalSeconds: options.pollIntervalSeconds,
      writesPerMinute: options.writesPerMinute ?? 0,
      redis: options.redis,
      cleanup,
      ...options.fleet,
    });
    const controller = new AbortController();
    const during = options.during?.(fleet, controller.signal);
    try {
      await fleet.waitForProcessed(options.tasks, timeoutMs);
    } finally {
      controller.abort();
    }
    const servicesCpu = fleet.cpuSeconds();
    const duringResult = await during;
    const log = sandbox.admin.requestLog();
    const from = fleet.pollerStartedAt ?? 0;
    const firstPollAt = log.find((e) => e.route === LIST_ISSUES_ROUTE && e.at >= from)?.at ?? from;
    const completions = [...labelledAt(log, `/repos/${ORG}/${dispatch}`).values()].sort((a, b) => a - b);
    const end = completions[completions.length - 1] ?? Date.now();
    const writeTimes = log
      .filter((e) => e.kind === "api" && e.at >= from && e.at <= end && WRITE_METHODS.has(e.method))
      .map((e) => e.at)
      .sort((a, b) => a - b);
    return {
      firstPollAt,
      completions,
      writeTimes,
      calls: summarizeCalls(log, from, end),
      secondaryLimitHits: sandbox.admin.secondaryLimitHits(),
      duringResult,
      servicesCpu,
    };
  } finally {
    await cleanup.run();
  }
}
