import { ConfigError, loadConfig, type Config, type ServiceName } from "../config/load-config.js";
import { createLogger, type Logger } from "../logging/create-logger.js";
import { scrubText } from "../logging/scrub-secrets.js";

export interface RunningService {
  stop(): Promise<void>;
}

/**
 * The common life of a service process: load the config once (exit 2 on a bad
 * value, naming it), build a logger that knows the secrets, start, and stop
 * cleanly on SIGTERM/SIGINT (exit 0), or exit 1 if stopping fails.
 */
export function runService(
  service: ServiceName,
  start: (config: Config, log: Logger) => Promise<RunningService>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  let config: Config;
  try {
    config = loadConfig(env, service);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, service, secrets: [config.githubToken] });
  start(config, log)
    .then((running) => {
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, `stopping ${service}`);
        // A stop that cannot finish (Redis gone, a job stuck in I/O) must not hang
        // the process past its orchestrator's patience: give up after a deadline.
        const deadlineMs = shutdownDeadlineMs(config);
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
    })
    .catch((error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${service}: fatal: ${scrubText(text, [config.githubToken])}\n`);
      process.exit(1);
    });
}

/**
 * How long a graceful stop may take: a worker finishes its active jobs, which
 * may run up to TASK_TIMEOUT_SECONDS; the poller only finishes one poll.
 */
export function shutdownDeadlineMs(config: Pick<Config, "service" | "taskTimeoutMs">): number {
  return config.service === "worker" ? config.taskTimeoutMs + 30_000 : 30_000;
}
