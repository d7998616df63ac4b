import { describe, expect, it } from "vitest";
import { formatPrettyLine, prettyDestination } from "./pretty-destination.js";

const line = (record: Record<string, unknown>) => `${JSON.stringify(record)}\n`;

describe("formatPrettyLine", () => {
  it("puts the clock time, level, service and message first, then the fields", () => {
    const text = formatPrettyLine(
      line({ level: "info", time: "2026-01-31T12:34:56.789Z", service: "poller", msg: "poll finished", status: 304, enqueued: 0 }),
    );
    expect(text).toBe("12:34:56.789 INFO  poller: poll finished  status=304 enqueued=0\n");
  });

  it("quotes strings with spaces or quotes and writes objects as JSON", () => {
    const text = formatPrettyLine(line({ level: "debug", msg: "m", repo: "acme/web", note: 'a "b" c', checks: { redis: { ok: true } } }));
    expect(text).toBe('DEBUG m  repo=acme/web note="a \\"b\\" c" checks={"redis":{"ok":true}}\n');
  });

  it("writes an error's stack, then its other fields, indented under the line", () => {
    const err = { type: "Error", message: "refused", stack: "Error: refused\n    at push (git.js:1:1)", status: 403 };
    const text = formatPrettyLine(line({ level: "error", msg: "push failed", err }));
    expect(text).toBe("ERROR push failed\n    Error: refused\n        at push (git.js:1:1)\n    status=403\n");
  });

  it("passes through, on a line of its own, text that is not a JSON log line", () => {
    expect(formatPrettyLine("not json")).toBe("not json\n");
    expect(formatPrettyLine("not json\n")).toBe("not json\n");
  });
});

describe("prettyDestination", () => {
  it("hands each formatted line to its sink", () => {
    const written: string[] = [];
    const destination = prettyDestination({ write: (text: string) => written.push(text) });
    destination.write(line({ level: "warn", msg: "slow" }));
    expect(written).toEqual(["WARN  slow\n"]);
  });
});
