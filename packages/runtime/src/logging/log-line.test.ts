import { describe, expect, it } from "vitest";
import { createLogger } from "./create-logger.js";
import { readLogLine } from "./log-line.js";

describe("readLogLine", () => {
  it("reads a line createLogger wrote, with its time as epoch milliseconds and its level by name", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", service: "worker", secrets: [], destination: { write: (line: string) => void lines.push(line) } });
    const before = Date.now();
    logger.warn({ jobId: "t-1" }, "job started");
    const record = readLogLine(lines[0]!);
    expect(record).toMatchObject({ level: "warn", service: "worker", msg: "job started", jobId: "t-1" });
    expect(record?.time).toBeGreaterThanOrEqual(before - 1000);
    expect(record?.time).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("keeps a numeric time as it is and drops one that is not a time", () => {
    expect(readLogLine('{"time":1767225600000,"msg":"x"}')?.time).toBe(1767225600000);
    expect(readLogLine('{"time":"2026-01-01T00:00:00.000Z"}')?.time).toBe(Date.UTC(2026, 0, 1));
    expect(readLogLine('{"time":"yesterday","msg":"x"}')).toEqual({ time: undefined, msg: "x" });
  });

  it("answers undefined for text that is not a JSON object", () => {
    for (const text of ["", "starting…", "[1,2]", "42", "null", '{"unterminated":']) expect(readLogLine(text), text).toBeUndefined();
  });
});
