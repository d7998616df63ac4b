import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger } from "pino";
import { SecretSet, scrubSecrets, scrubText, type LogFormat, type Secrets } from "@agent-runner/core";
import { prettyDestination } from "./pretty-destination.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  readonly level: string;
  readonly service: string;
  /**
   * Values that must never be written, wherever they hide in a log line. A
   * SecretSet may grow after the logger is built (installation tokens).
   */
  readonly secrets: Secrets;
  /** json (the default): one JSON object a line. pretty: readable lines for a terminal (LOG_FORMAT). */
  readonly format?: LogFormat;
  /** Where lines go (stdout by default); with format pretty, it receives the formatted text. */
  readonly destination?: DestinationStream;
}

const REDACT_PATHS = [
  "token",
  "*.token",
  "githubToken",
  "*.githubToken",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "request.headers.authorization",
  "*.request.headers.authorization",
];

/**
 * Structured JSON logs. Known secret-bearing keys are redacted by path, and the
 * literal secrets are scrubbed from every string (messages, error stacks,
 * nested objects) because libraries put tokens in places no path list foresees.
 * Lines carry the level by name and an ISO time (log-line.ts), which log
 * pipelines read without a pino-specific parser.
 */
export function createLogger(options: LoggerOptions): Logger {
  const known = options.secrets instanceof SecretSet ? options.secrets : new SecretSet(options.secrets);
  let cachedVersion = -1;
  let secrets: string[] = [];
  let writtenSecrets: string[] = [];
  // Read at every line, so a secret learned at run time is masked from then on.
  const refresh = (): void => {
    if (known.version === cachedVersion) return;
    cachedVersion = known.version;
    secrets = [...known.list()];
    // As they appear inside a JSON string, for the final pass over the written line.
    writtenSecrets = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  };
  refresh();
  const logger = pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubSecrets(object, secrets),
      },
      hooks: {
        logMethod(args, method) {
          refresh();
          // Values after the first argument are printf arguments (%s, %o, %j): pino formats them
          // into the message, where the formatters below never see them.
          const scrubbed = args.map((arg, i) =>
            typeof arg === "string"
              ? scrubText(arg, secrets)
              : i > 0 && !(arg instanceof Error)
                ? scrubSecrets(arg, secrets)
                : arg,
          );
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
        // Last pass over the serialized line, for what pino assembles itself: the
        // message it copies from an error logged without one, and child bindings.
        streamWrite: (line) => {
          refresh();
          return scrubText(line, writtenSecrets);
        },
      },
      serializers: {
        // formatters.log has already turned Errors into scrubbed plain objects that keep
        // their type; only a real Error still needs serialising.
        err: (err: unknown) => (err instanceof Error ? scrubSecrets(stdSerializers.err(err), secrets) : err),
      },
    },
    options.format === "pretty" ? prettyDestination(options.destination) : options.destination,
  );
  // Child loggers inherit it (pino builds them with Object.create), so whoever gets a logger can teach it a secret.
  Object.defineProperty(logger, SECRETS, { value: known });
  return logger;
}

const SECRETS = Symbol("agent-runner.logger-secrets");

/**
 * The set a logger scrubs, to add secrets learned at run time (installation
 * tokens); undefined for a logger not made by createLogger.
 */
export function loggerSecrets(logger: Logger): SecretSet | undefined {
  const known = (logger as unknown as Record<symbol, unknown>)[SECRETS];
  return known instanceof SecretSet ? known : undefined;
}
