import { pino, stdSerializers, type DestinationStream, type Logger } from "pino";
import { scrubSecrets, scrubText } from "./scrub-secrets.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  readonly level: string;
  readonly service: string;
  /** Values that must never be written, wherever they hide in a log line. */
  readonly secrets: readonly string[];
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
 */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = [...options.secrets];
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      formatters: {
        log: (object) => scrubSecrets(object, secrets),
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === "string" ? scrubText(arg, secrets) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (err: unknown) => scrubSecrets(stdSerializers.err(err as Error), secrets),
      },
    },
    options.destination,
  );
}
