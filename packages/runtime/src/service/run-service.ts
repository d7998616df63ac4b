import { ConfigError, loadConfig, scrubText, type CommonConfig, type DeepReadonly, type ServiceName } from "@agent-runner/core";
import type { z } from "zod";
import { createLogger, type Logger } from "../logging/create-logger.js";
import { redisUrlCredentials } from "../redis/create-redis-connection.js";

export interface RunningService {
  stop(): Promise<void>;
  /** How long a graceful stop may take before the process gives up (a worker finishes its jobs first). */
  readonly stopDeadlineMs?: number;
}

const DEFAULT_STOP_DEADLINE_MS = 30_000;

/**
 * The common life of a service process: load the config once (exit 2 on a bad
 * value, naming it), drop the token from the environment so no child process
 * can inherit it, build a logger that knows the secrets, start, and stop
 * cleanly on SIGTERM/SIGINT (exit 0), or exit 1 if stopping fails.
 */
export function runService<Schema extends z.ZodType<CommonConfig>>(
  service: ServiceName,
  schema: Schema,
  start: (config: DeepReadonly<z.output<Schema>>, log: Logger) => Promise<RunningService>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  let config: DeepReadonly<z.output<Schema>>;
  try {
    config = loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  delete env["GITHUB_TOKEN"];
  delete env["GITHUB_WEBHOOK_SECRET"];
  delete env["GITHUB_APP_PRIVATE_KEY"];
  delete env["REDIS_PASSWORD"];
  // A service's own secrets (the poller's webhook secret) are scrubbed like the token, and so is Redis's password.
  const extra = (config as { extraSecrets?: readonly string[] }).extraSecrets ?? [];
  const secrets = [config.githubToken, config.githubApp?.privateKey ?? "", config.redisPassword ?? "", redisUrlCredentials(config.redisUrl).password ?? "", ...extra].filter(
    (s) => s !== "",
  );
  const log = createLogger({ level: config.logLevel, format: config.logFormat, service, secrets });
  start(config, log)
    .then((running) => handleSignals(service, running, log))
    .catch((error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${service}: fatal: ${scrubText(text, secrets)}\n`);
      process.exit(1);
    });
}

function handleSignals(service: ServiceName, running: RunningService, log: Logger): void {
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, `stopping ${service}`);
    // A stop that cannot finish (Redis gone, a job stuck in I/O) must not hang
    // the process past its orchestrator's patience: give up after a deadline.
    const deadlineMs = running.stopDeadlineMs ?? DEFAULT_STOP_DEADLINE_MS;
    setTimeout(() => {
      log.error({ deadlineMs }, `${service} did not stop within the deadline; exiting`);
      process.exit(1);
    }, deadlineMs).unref();
    running
      .stop()
      .then(() => {
        log.info(`${service} stopped`);
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error({ err: error }, `${service} did not stop cleanly`);
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

