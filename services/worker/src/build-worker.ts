import path from "node:path";
import {
  BullMqTaskWorker,
  DEFAULT_BACKOFF_MS,
  buildServiceFoundation,
  redisAnswers,
  startOpsServer,
  type Logger,
  type OpsServer,
} from "@agent-runner/runtime";
import { NodegitWorkspaceFactory } from "@agent-runner/git";
import { classifyError } from "@agent-runner/core";
import { createTaskHandler } from "./change/create-task-handler.js";
import type { TaskHandler } from "./change/task-handler.js";
import { processTask } from "./process-task.js";
import { RepoInfoCache } from "./repo-info-cache.js";
import type { WorkerConfig } from "./worker-config.js";
import { createWorkerMetrics } from "./worker-metrics.js";

export interface WorkerService {
  readonly ops: OpsServer;
  readonly stopDeadlineMs: number;
  /** Stops taking jobs, lets active ones finish (or aborts them when forced), closes connections. */
  stop(force?: boolean): Promise<void>;
}

export interface WorkerOverrides {
  readonly fetch?: typeof fetch;
  readonly handler?: TaskHandler;
  readonly backoffMs?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly retryBaseMs?: number;
}

/** Wires one worker process from its config. */
export async function startWorkerService(config: WorkerConfig, log: Logger, overrides: WorkerOverrides = {}): Promise<WorkerService> {
  const backoffMs = overrides.backoffMs ?? DEFAULT_BACKOFF_MS;
  const { registry, redis, queue, github } = buildServiceFoundation(config, log, { ...overrides, backoffMs });
  const metrics = createWorkerMetrics(registry);
  const deps = {
    github,
    git: new NodegitWorkspaceFactory({
      token: config.githubToken,
      cacheDir: path.join(config.workspaceDir, "mirrors"),
      logger: log,
      // An external agent command could tamper with a tree's .git in ways the
      // reset does not undo; its tasks always get a fresh tree.
      ...(config.change.handler === "command" ? { maxIdleTreesPerRepo: 0 } : {}),
    }),
    repos: new RepoInfoCache(github),
    handler: overrides.handler ?? createTaskHandler(config),
    settings: {
      processedLabel: config.processedLabel,
      agentName: config.agentName,
      agentEmail: config.agentEmail,
      allowedTargetRepos: config.allowedTargetRepos,
      workspaceDir: config.workspaceDir,
    },
    metrics,
    log,
  };
  const worker = new BullMqTaskWorker({
    connection: redis,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    timeoutMs: config.taskTimeoutMs,
    backoffMs,
    lockDurationMs: overrides.lockDurationMs ?? config.jobLockMs,
    stalledIntervalMs: overrides.stalledIntervalMs ?? config.stalledCheckMs,
    processor: async (context) => {
      metrics.jobStarted();
      // Marks when a job (a fresh one or one taken back from a dead worker) starts here.
      log.info({ jobId: context.jobId, attempt: context.attemptsMade + 1 }, "job started");
      const started = performance.now();
      try {
        await processTask(context, deps);
        metrics.jobFinished("completed", (performance.now() - started) / 1000);
      } catch (error) {
        const retried = classifyError(error).kind !== "permanent" && context.attemptsMade + 1 < context.maxAttempts;
        metrics.jobFinished(retried ? "retried" : "failed", (performance.now() - started) / 1000);
        throw error;
      }
    },
    retryOnTimeout: config.taskRetryOnTimeout,
    onError: (error) => log.error({ err: error }, "queue worker error"),
    secrets: [config.githubToken],
  });
  const ops = await startOpsServer({
    port: config.port,
    registry,
    queue: queue.queue,
    bullBoard: config.bullBoard,
    logger: log,
    readiness: async () => {
      const redisOk = await redisAnswers(redis);
      const running = worker.isRunning();
      return { ready: redisOk && running, checks: { redis: { ok: redisOk }, worker: { ok: running } } };
    },
  });
  worker.start();
  log.info({ concurrency: config.workerConcurrency, handler: deps.handler.name }, "worker started");
  return {
    ops,
    // A graceful stop lets active jobs run to their timeout.
    stopDeadlineMs: config.taskTimeoutMs + 30_000,
    async stop(force = false) {
      await worker.close(force);
      await ops.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
