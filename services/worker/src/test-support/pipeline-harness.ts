import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { createLogger, type Logger } from "@agent-runner/runtime";
import { loadConfig } from "@agent-runner/core";
import type { Sandbox } from "@agent-runner/github-sandbox";
import { startPollerService, type PollerService } from "../../../poller/src/build-poller.js";
import { pollerConfigSchema } from "../../../poller/src/poller-config.js";
import { workerConfigSchema, type WorkerConfig } from "../worker-config.js";
import { startWorkerService, type WorkerOverrides, type WorkerService } from "../build-worker.js";

export const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** Captures every log line so tests can search them (for the token, among others). */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      this.lines.push(chunk.toString("utf8"));
      done();
    },
  });

  logger(service: string, secrets: string[]): Logger {
    return createLogger({ level: "debug", service, secrets, destination: this.stream });
  }

  text(): string {
    return this.lines.join("");
  }
}

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
  const prefix = `{ar-test-${randomBytes(5).toString("hex")}}`;
  const workspaceDir = await mkdtemp(path.join(os.tmpdir(), "ar-pipeline-"));
  const env = {
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
      await deleteKeys(redis, `${prefix}*`);
      redis.disconnect();
      // A force-stopped job's nodegit may still be writing for a moment.
      await rm(workspaceDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 60_000, what = "condition"): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
}

export function formatA(taskId: string, target: string, instruction = "Create a simple test file."): string {
  return `<!-- agent_task_metadata {"task_id": "${taskId}"} -->\n\n## Instruction\n\n${instruction}\n\nTarget Repository: ${target}\n`;
}

export function formatB(taskId: string, target: string, instruction = "Add a greeting file."): string {
  return [
    "# Agent Task Delegation",
    "",
    `**Task ID:** \`${taskId}\``,
    "**User ID:** `user-42`",
    "",
    `**Target:** repo \`${target}\``,
    "",
    "## Instructions",
    "",
    instruction,
    "",
    "---",
    "",
    "<!-- agent_task_metadata",
    JSON.stringify({ task_id: taskId, user_id: "user-42", provider: "github_issue_dispatch" }),
    "-->",
    "",
  ].join("\r\n");
}
