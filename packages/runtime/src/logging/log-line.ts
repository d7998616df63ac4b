/**
 * The shape of one log line, as log pipelines (Loki, Elasticsearch, Cloud Logging, Datadog) read it
 * without a custom parser: the level by name (`"level":"info"`) and the time as ISO 8601 in UTC
 * (`"time":"2026-01-31T12:00:00.000Z"`), then `service`, `msg` and the line's own fields.
 */
export interface LogRecord extends Readonly<Record<string, unknown>> {
  readonly level?: string;
  /** Epoch milliseconds: readLogLine converts the written ISO string, so readers can compare and subtract. */
  readonly time?: number;
  readonly service?: string;
  readonly msg?: string;
}

/**
 * Parses one JSON log line written by createLogger (or undefined if it is not one), for tests and
 * tools that follow a service's output. `time` becomes epoch milliseconds; everything else is as written.
 */
export function readLogLine(text: string): LogRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const time = typeof record["time"] === "string" ? Date.parse(record["time"]) : record["time"];
  return { ...record, time: typeof time === "number" && !Number.isNaN(time) ? time : undefined };
}
