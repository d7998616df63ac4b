import type { Registry } from "prom-client";
import { SecretSet, countingOwnComments, type CommonConfig, type GitHubClient, type GitHubTokenSource, type OwnCommentTally } from "@agent-runner/core";
import { GitHubAppTokenSource, OctokitGitHubClient, StaticTokenSource } from "@agent-runner/github";
import { loggerSecrets, type Logger } from "../logging/create-logger.js";
import { createGitHubMetrics } from "../metrics/github-metrics.js";
import { createRegistry } from "../metrics/create-registry.js";
import { registerQueueMetrics } from "../metrics/queue-metrics.js";
import { BullMqTaskQueue } from "../queue/bullmq-task-queue.js";
import { checkEvictionPolicy, createRedisConnection, type RedisConnection } from "../redis/create-redis-connection.js";
import { RedisOwnCommentTally } from "../redis/redis-own-comment-tally.js";
import { RedisWriteBudget } from "../redis/redis-write-budget.js";

export interface ServiceFoundation {
  readonly registry: Registry;
  readonly redis: RedisConnection;
  readonly queue: BullMqTaskQueue;
  /** Every comment it writes on a dispatch issue is counted in `ownComments`. */
  readonly github: GitHubClient;
  /** The runner's own comments per dispatch issue, shared by every process (see OwnCommentTally). */
  readonly ownComments: OwnCommentTally;
  /** Who the runner is on GitHub: a token, or a GitHub App whose installation tokens are renewed as they expire. */
  readonly identity: GitHubTokenSource;
  /** Every secret the service scrubs, installation tokens included as they are minted. */
  readonly secrets: SecretSet;
  /** Ends the queue and the Redis connection, at any point of the service's start. */
  readonly close: () => Promise<void>;
}

export interface FoundationOverrides {
  /** First retry delay of a failed job (tests shrink it). */
  readonly backoffMs?: number;
  /** Base of Octokit's in-request retry back-off (tests shrink it). */
  readonly retryBaseMs?: number;
  readonly fetch?: typeof fetch;
  /** How long before an installation token expires a new one is minted (default 5 minutes). */
  readonly tokenRefreshBeforeMs?: number;
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
    password: config.redisPassword,
    logger: log,
    connectionName: `agent-runner-${config.service}`,
  });
  void checkEvictionPolicy(redis, log);
  const queue = new BullMqTaskQueue(redis, config.queuePrefix, {
    attempts: config.taskAttempts,
    backoffMs: overrides.backoffMs ?? DEFAULT_BACKOFF_MS,
  });
  registerQueueMetrics(registry, queue);
  // The logger's own set when it has one, so it scrubs each installation token from the moment it is minted.
  const secrets = loggerSecrets(log) ?? new SecretSet([config.githubToken]);
  const identity = createIdentity(config, secrets, overrides);
  const octokit = new OctokitGitHubClient({
    token: config.githubToken,
    ...(config.githubApp === undefined ? {} : { tokenSource: identity }),
    secrets,
    baseUrl: config.githubApiUrl,
    logger: log,
    observer: createGitHubMetrics(registry),
    writeBudget:
      config.githubWritesPerMinute > 0
        ? // Per identity: a token and an App installation have separate limits on GitHub.
          new RedisWriteBudget(redis, `${config.queuePrefix}:github-write-budget:${identity.identityKey}`, config.githubWritesPerMinute)
        : undefined,
    ...(overrides.retryBaseMs === undefined ? {} : { retryBaseMs: overrides.retryBaseMs }),
    ...(overrides.fetch === undefined ? {} : { fetch: overrides.fetch }),
  });
  const ownComments = new RedisOwnCommentTally(redis, config.queuePrefix);
  const github = countingOwnComments(octokit, ownComments, config.dispatchRepo, (error) =>
    log.warn({ err: error }, "could not count the runner's own comment: the poller will list that issue's comments once more"),
  );
  return { registry, redis, queue, github, ownComments, identity, secrets, close: () => queue.closeWithConnection() };
}

function createIdentity(config: CommonConfig, secrets: SecretSet, overrides: FoundationOverrides): GitHubTokenSource {
  const app = config.githubApp;
  if (app === undefined) return new StaticTokenSource(config.githubToken);
  secrets.add(app.privateKey);
  return new GitHubAppTokenSource({
    appId: app.appId,
    privateKey: app.privateKey,
    installationId: app.installationId,
    installationRepo: config.dispatchRepo,
    baseUrl: config.githubApiUrl,
    secrets,
    ...(overrides.tokenRefreshBeforeMs === undefined ? {} : { refreshBeforeMs: overrides.tokenRefreshBeforeMs }),
    ...(overrides.fetch === undefined ? {} : { fetch: overrides.fetch }),
  });
}

export const DEFAULT_BACKOFF_MS = 5_000;
