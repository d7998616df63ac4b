import type { Registry } from "prom-client";
import type { CommonConfig } from "@agent-runner/core";
import type { GitHubClient } from "@agent-runner/core";
import { OctokitGitHubClient } from "@agent-runner/github";
import type { Logger } from "../logging/create-logger.js";
import { createGitHubMetrics } from "../metrics/github-metrics.js";
import { createRegistry } from "../metrics/create-registry.js";
import { registerQueueMetrics } from "../metrics/queue-metrics.js";
import { BullMqTaskQueue } from "../queue/bullmq-task-queue.js";
import { checkEvictionPolicy, createRedisConnection, type RedisConnection } from "../redis/create-redis-connection.js";
import { RedisWriteBudget } from "../redis/redis-write-budget.js";

export interface ServiceFoundation {
  readonly registry: Registry;
  readonly redis: RedisConnection;
  readonly queue: BullMqTaskQueue;
  readonly github: GitHubClient;
}

export interface FoundationOverrides {
  /** First retry delay of a failed job (tests shrink it). */
  readonly backoffMs?: number;
  /** Base of Octokit's in-request retry back-off (tests shrink it). */
  readonly retryBaseMs?: number;
  readonly fetch?: typeof fetch;
}

/**
 * What both services are built on: one metrics registry, one Redis
 * connection (eviction policy checked), the task queue with its metrics, and
 * the GitHub client with the fleet-wide write budget.
 */
export function buildServiceFoundation(config: CommonConfig, log: Logger, overrides: FoundationOverrides = {}): ServiceFoundation {
  const registry = createRegistry(config.service);
  const redis = createRedisConnection({
    url: config.redisUrl,
    clusterNodes: config.redisClusterNodes,
    logger: log,
    connectionName: `agent-runner-${config.service}`,
  });
  void checkEvictionPolicy(redis, log);
  const queue = new BullMqTaskQueue(redis, config.queuePrefix, {
    attempts: config.taskAttempts,
    backoffMs: overrides.backoffMs ?? DEFAULT_BACKOFF_MS,
  });
  registerQueueMetrics(registry, queue);
  const github = new OctokitGitHubClient({
    token: config.githubToken,
    baseUrl: config.githubApiUrl,
    logger: log,
    observer: createGitHubMetrics(registry),
    writeBudget:
      config.githubWritesPerMinute > 0
        ? new RedisWriteBudget(redis, `${config.queuePrefix}:github-write-budget`, config.githubWritesPerMinute)
        : undefined,
    ...(overrides.retryBaseMs === undefined ? {} : { retryBaseMs: overrides.retryBaseMs }),
    ...(overrides.fetch === undefined ? {} : { fetch: overrides.fetch }),
  });
  return { registry, redis, queue, github };
}

export const DEFAULT_BACKOFF_MS = 5_000;
