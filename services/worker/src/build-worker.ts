import path from "node:path";
import {
  BullMqTaskWorker,
  DEFAULT_BACKOFF_MS,
  buildServiceFoundation,
  RedisCancellationLedger,
  RedisPushLedger,
  redisAnswers,
  startOpsServer,
  type Logger,
  type OpsServer,
  type RedisConnection,
} from "@agent-runner/runtime";
import type { GitHubClient, GitHubTokenSource } from "@agent-runner/core";
import { NodegitWorkspaceFactory } from "@agent-runner/git";
import { createTaskHandler } from "./change/create-task-handler.js";
import type { TaskHandler } from "./change/task-handler.js";
import { RunnerIdentity } from "@agent-runner/core";
import type { JobMetricsSink, WorkerDeps } from "./attempt/worker-deps.js";
import { processTask } from "./process-task.js";
import { RepoInfoCache } from "./repo-info-cache.js";
import type { WorkerConfig } from "./worker-config.js";
import { createWorkerMetrics } from "./worker-metrics.js";

const DEFAULT_CANCEL_CHECK_MS = 2_000;

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
  /** How often a running job reads its cancel flag (default 2 s). */
  readonly cancelCheckMs?: number;
}

/** Wires one worker process from its config. */
export async function startWorkerService(config: WorkerConfig, log: Logger, overrides: WorkerOverrides = {}): Promise<WorkerService> {
  const backoffMs = overrides.backoffMs ?? DEFAULT_BACKOFF_MS;
  const foundation = buildServiceFoundation(config, log, { ...overrides, backoffMs });
  const { registry, redis, queue, github, identity, secrets } = foundation;
  let deps: WorkerDeps;
  try {
    deps = await buildDeps(config, log, overrides, { github, redis, metrics: createWorkerMetrics(registry), identity });
  } catch (error) {
    // A worker that cannot start (GitHub refuses the token) leaves no connection behind.
    await foundation.close();
    throw error;
  }
  const worker = new BullMqTaskWorker({
    connection: redis,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    timeoutMs: config.taskTimeoutMs,
    backoffMs,
    lockDurationMs: overrides.lockDurationMs ?? config.jobLockMs,
    stalledIntervalMs: overrides.stalledIntervalMs ?? config.stalledCheckMs,
    processor: async (context) => {
      const { pullUrl, pullState, branch } = await processTask(context, deps);
      return { pullUrl, pullState, branch };
    },
    retryOnTimeout: config.taskRetryOnTimeout,
    onError: (error) => log.error({ err: error }, "queue worker error"),
    secrets,
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
  log.info({ concurrency: config.workerConcurrency, handler: deps.handler.name, login: deps.runner.login }, "worker started");
  return {
    ops,
    // A graceful stop lets active jobs run to their timeout.
    stopDeadlineMs: config.taskTimeoutMs + 30_000,
    async stop(force = false) {
      await worker.close(force);
      await ops.close();
      await foundation.close();
    },
  };
}

/**
 * What every attempt shares. The runner's login is learned here, once: it is
 * what tells the runner's own PRs and comments from anyone else's.
 */
async function buildDeps(
  config: WorkerConfig,
  log: Logger,
  overrides: WorkerOverrides,
  shared: { github: GitHubClient; redis: RedisConnection; metrics: JobMetricsSink; identity: GitHubTokenSource },
): Promise<WorkerDeps> {
  const { github, redis, metrics } = shared;
  // Built first: a workspace root another user owns refuses the start before GitHub is asked anything.
  const git = new NodegitWorkspaceFactory({
    // Asked at every clone, fetch and push: an App's installation token is renewed while the worker runs.
    token: () => shared.identity.token(),
    // Made 0700 (a loose one is tightened) or refused when it belongs to another user: it holds every task's tree.
    workspaceDir: config.workspaceDir,
    cacheDir: path.join(config.workspaceDir, "mirrors"),
    logger: log,
    // An external agent command could tamper with a tree's .git in ways the
    // reset does not undo; its tasks always get a fresh tree.
    ...(config.change.handler === "command" ? { maxIdleTreesPerRepo: 0 } : {}),
  });
  return {
    github,
    runner: new RunnerIdentity(await github.getAuthenticatedLogin()),
    pushes: new RedisPushLedger(redis, config.queuePrefix),
    cancels: new RedisCancellationLedger(redis, config.queuePrefix),
    git,
    repos: new RepoInfoCache(github),
    handler: overrides.handler ?? (await createTaskHandler(config, log)),
    settings: {
      processedLabel: config.processedLabel,
      agentName: config.agentName,
      agentEmail: config.agentEmail,
      allowedTargetRepos: config.allowedTargetRepos,
      workspaceDir: config.workspaceDir,
      cancelCheckMs: overrides.cancelCheckMs ?? DEFAULT_CANCEL_CHECK_MS,
      keepWorkOnTimeout: config.keepWorkOnTimeout,
      trust: config.trust,
    },
    metrics,
    log,
  };
}
