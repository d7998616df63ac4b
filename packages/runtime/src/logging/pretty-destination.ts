import type { DestinationStream } from "pino";
import { readLogLine } from "./log-line.js";

/** Where formatted lines go: process.stdout unless a test captures them. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * LOG_FORMAT=pretty: each JSON line pino writes, already redacted and scrubbed, turned into one
 * readable line for a terminal. Written here rather than taken from pino-pretty: a dozen lines, no
 * worker thread, no extra dependency in the images, and it only ever sees text that has been scrubbed.
 */
export function prettyDestination(sink: TextSink = process.stdout): DestinationStream {
  return { write: (line: string) => void sink.write(formatPrettyLine(line)) };
}

/** `12:00:01.234 WARN  worker: msg  key=value …`, then an error's stack indented below. */
export function formatPrettyLine(line: string): string {
  const record = readLogLine(line);
  if (record === undefined) return line.endsWith("\n") ? line : `${line}\n`;
  const { time, level, service, msg, err, ...fields } = record;
  const clock = time === undefined ? "" : new Date(time).toISOString().slice(11, 23);
  const head = [clock, String(level ?? "").toUpperCase().padEnd(5), service === undefined ? "" : `${service}:`, msg ?? ""];
  const tail = Object.entries(fields).map(([key, value]) => `${key}=${showValue(value)}`);
  const stack = errorStack(err);
  const text = [head.filter((part) => part !== "").join(" "), tail.join(" ")].filter((part) => part !== "").join("  ");
  return `${text}${stack === undefined ? "" : `\n${indent(stack)}`}\n`;
}

function showValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** The stack (or message), then the error's other fields (status, cause, request …) on a line below. */
function errorStack(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  if (typeof err !== "object" || err === null) return showValue(err);
  const { stack, message, type: _type, ...rest } = err as Record<string, unknown>;
  const head = typeof stack === "string" ? stack : typeof message === "string" ? message : "";
  const fields = Object.entries(rest).map(([key, value]) => `${key}=${showValue(value)}`);
  return [head, fields.join(" ")].filter((part) => part !== "").join("\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((row) => `    ${row}`)
    .join("\n");
}
