import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { loadConfig } from "@agent-runner/core";
import type { Sandbox } from "@agent-runner/github-sandbox";
import { pollerConfigSchema, startPollerService, type PollerService } from "@agent-runner/poller";
import { deleteKeysWithPrefix, LogCapture, REDIS_URL, uniquePrefix } from "@agent-runner/test-kit";
import { startWorkerService, workerConfigSchema, type WorkerConfig, type WorkerOverrides, type WorkerService } from "@agent-runner/worker";

export interface PipelineOptions {
  readonly sandbox: Sandbox;
  readonly env?: Record<string, string>;
  readonly workers?: number;
  readonly poller?: boolean;
  readonly workerOverrides?: WorkerOverrides;
}

export interface Pipeline {
  readonly config: WorkerConfig;
  readonly prefix: string;
  readonly logs: LogCapture;
  readonly redis: Redis;
  readonly workspaceDir: string;
  readonly poller: PollerService | undefined;
  readonly workers: WorkerService[];
  /** Stops services, deletes the test's Redis keys and workspace. */
  close(): Promise<void>;
}

/**
 * Runs the real poller and workers in this process against the sandbox and
 * real Redis, under a queue prefix of their own so tests never share keys.
 */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const prefix = uniquePrefix("test");
  const workspaceDir = await mkdtemp(path.join(os.tmpdir(), "ar-pipeline-"));
  const env: Record<string, string> = {
    GITHUB_TOKEN: options.sandbox.tokens.owner,
    GITHUB_API_URL: options.sandbox.apiUrl,
    DISPATCH_REPO: "acme/dispatch",
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    POLL_INTERVAL_SECONDS: "1",
    WORKER_CONCURRENCY: "2",
    WORKSPACE_DIR: workspaceDir,
    PORT: "0",
    LOG_LEVEL: "debug",
    TASK_ATTEMPTS: "5",
    GITHUB_WRITES_PER_MINUTE: "0",
    ...options.env,
  };
  // A GitHub App identity replaces the owner's token: the config takes exactly one.
  if (env["GITHUB_APP_ID"] !== undefined) delete env["GITHUB_TOKEN"];
  const config = loadConfig(workerConfigSchema, env);
  const logs = new LogCapture();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const workers: WorkerService[] = [];
  let poller: PollerService | undefined;
  const overrides: WorkerOverrides = {
    backoffMs: 200,
    retryBaseMs: 20,
    lockDurationMs: 5_000,
    stalledIntervalMs: 2_000,
    ...options.workerOverrides,
  };
  for (let i = 0; i < (options.workers ?? 1); i++) {
    workers.push(await startWorkerService(config, logs.logger(`worker-${i}`, [config.githubToken]), overrides));
  }
  if (options.poller ?? true) {
    const pollerConfig = loadConfig(pollerConfigSchema, env);
    poller = await startPollerService({ ...pollerConfig, port: 0 }, logs.logger("poller", [config.githubToken]));
  }
  return {
    config,
    prefix,
    logs,
    redis,
    workspaceDir,
    poller,
    workers,
    async close() {
      await poller?.stop();
      await Promise.all(workers.map((w) => w.stop(true)));
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
      // A force-stopped job's nodegit may still be writing for a moment.
      await rm(workspaceDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}
