import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { createLogger, loggerSecrets, type Logger } from "./create-logger.js";

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "Zx9SecretTokenValue0123456789abcd"].join("_");
const PASSWORD = 'pa"ss\\word-with-quotes';

/** A destination that keeps every line pino writes. */
function capture(level = "info", format: "json" | "pretty" = "json"): { logger: Logger; output: () => string; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    format,
    service: "test-service",
    secrets: [TOKEN, PASSWORD],
    destination: { write: (line: string) => void lines.push(line) },
  });
  return {
    logger,
    output: () => lines.join(""),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

class OctokitLikeError extends Error {
  readonly status = 401;
  readonly request = { headers: { authorization: `token ${TOKEN}` }, url: "https://api.github.com/user" };
}

const leaks: [string, (logger: Logger) => void][] = [
  ["a field named token", (log) => log.info({ token: TOKEN }, "fetched")],
  ["headers.authorization", (log) => log.info({ headers: { authorization: `token ${TOKEN}` } }, "request")],
  ["request.headers.authorization", (log) => log.info({ request: { headers: { authorization: `Bearer ${TOKEN}` } } }, "r")],
  ["an Error's message and stack under err", (log) => log.error({ err: new Error(`auth failed for ${TOKEN}`) }, "failed")],
  ["an Error logged on its own", (log) => log.error(new Error(`auth failed for ${TOKEN}`))],
  ["an Error logged with its own message", (log) => log.error(new Error(`auth failed for ${TOKEN}`), "push failed")],
  ["an Error under err without a message", (log) => log.error({ err: new Error(`auth failed for ${TOKEN}`) })],
  ["err.cause", (log) => log.error({ err: new Error("push failed", { cause: new Error(`remote said ${TOKEN}`) }) }, "x")],
  ["an Error carrying the request it failed on", (log) => log.error({ err: new OctokitLikeError("Bad credentials") }, "x")],
  ["a deeply nested object", (log) => log.info({ a: { b: [{ c: `https://x-access-token:${TOKEN}@github.com/a/b.git` }] } }, "clone")],
  ["the message string", (log) => log.info(`cloning with ${TOKEN}`)],
  ["a %s argument", (log) => log.info("cloning with %s", TOKEN)],
  ["a %o argument", (log) => log.info("options %o", { auth: TOKEN })],
  ["a %j argument after a merge object", (log) => log.info({ step: "clone" }, "options %j", { auth: TOKEN })],
  ["a child logger's bindings", (log) => log.child({ remote: `https://${TOKEN}@github.com/a/b.git` }).info("pushing")],
  ["a secret that JSON escapes", (log) => log.info("board password %j", { PASSWORD })],
];

describe("createLogger", () => {
  it.each(leaks)("never writes the token when it hides in %s", (_name, write) => {
    const { logger, output } = capture();
    write(logger);
    const written = output();
    expect(written).not.toBe("");
    expect(written).not.toContain(TOKEN);
    expect(written).not.toContain(PASSWORD);
    expect(written).not.toContain(JSON.stringify(PASSWORD).slice(1, -1));
    expect(written).toContain("[REDACTED]");
  });

  it("keeps the other fields of a line it redacts", () => {
    const { logger, records } = capture();
    logger.info({ token: TOKEN, user: "alice", attempt: 2, nested: { repo: "acme/web", token: TOKEN } }, "fetched");
    expect(records()).toEqual([
      expect.objectContaining({
        level: "info",
        service: "test-service",
        msg: "fetched",
        token: "[REDACTED]",
        user: "alice",
        attempt: 2,
        nested: { repo: "acme/web", token: "[REDACTED]" },
      }),
    ]);
  });

  it("keeps an error's message and stack apart from the secret in them", () => {
    const { logger, records } = capture();
    logger.error({ err: new Error(`auth failed for ${TOKEN}`) }, "push failed");
    const [record] = records();
    const err = record?.["err"] as { message: string; stack: string };
    expect(err.message).toBe("auth failed for [REDACTED]");
    expect(err.stack).toMatch(/^Error: auth failed for \[REDACTED\]\n\s+at /);
  });

  it("writes lines that are still valid JSON after scrubbing", () => {
    const { logger, records } = capture();
    for (const [, write] of leaks) write(logger);
    expect(records()).toHaveLength(leaks.length);
  });

  it("writes the level by name and the time as ISO 8601 in UTC, as log pipelines read them", () => {
    const { logger, output, records } = capture("trace");
    const before = Date.now();
    for (const level of ["trace", "debug", "info", "warn", "error", "fatal"] as const) logger[level]("hello");
    expect(records().map((record) => record["level"])).toEqual(["trace", "debug", "info", "warn", "error", "fatal"]);
    for (const record of records()) {
      expect(record["time"]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(String(record["time"]))).toBeGreaterThanOrEqual(before - 1000);
    }
    expect(output()).toMatch(/^\{"level":"trace","time":"[^"]+Z","service":"test-service","msg":"hello"\}\n/);
  });

  it.each(leaks)("never writes the token in the pretty format either, when it hides in %s", (_name, write) => {
    const { logger, output } = capture("info", "pretty");
    write(logger);
    const written = output();
    expect(written).not.toBe("");
    expect(written).not.toContain(TOKEN);
    expect(written).not.toContain(PASSWORD);
    expect(written).toContain("[REDACTED]");
  });

  it("writes readable lines, not JSON, in the pretty format", () => {
    const { logger, output } = capture("info", "pretty");
    logger.warn({ jobId: "t-1", attempt: 2 }, "job started");
    expect(output()).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} WARN  test-service: job started {2}jobId=t-1 attempt=2\n$/);
  });

  it("does not write below its level", () => {
    const { logger, output } = capture("warn");
    logger.info("quiet");
    expect(output()).toBe("");
    logger.warn("loud");
    expect(output()).toContain('"msg":"loud"');
  });
});

describe("a secret learned after the logger was built", () => {
  // An installation token minted an hour into the process's life.
  const LATER = ["ghs", "LaterInstallationToken0123456789"].join("_");

  it("is masked from the next line on, in children too, through the logger's own secret set", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", service: "s", secrets: [TOKEN], destination: { write: (l: string) => void lines.push(l) } });
    const child = logger.child({ job: "x" });
    child.info(`before: ${LATER}`);
    loggerSecrets(child)?.add(LATER);
    child.error({ err: new Error(`push with ${LATER} failed`) }, `after: ${LATER}`);
    logger.info({ nested: { url: `https://x-access-token:${LATER}@example.test` } }, "clone");
    expect(lines[0]).toContain(LATER);
    expect(lines.slice(1).join("")).not.toContain(LATER);
    expect(lines[1]).toContain("after: [REDACTED]");
  });

  it("is not known to a logger that was not made by createLogger", () => {
    expect(loggerSecrets(pino({ level: "silent" }))).toBeUndefined();
  });
});
