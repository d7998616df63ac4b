import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseRepoRef, type RepoRef } from "../task/repo-name.js";

/** Building blocks of the services' environment schemas: each variable is validated here, once. */

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** json: one JSON object a line, for log pipelines; pretty: one readable line, for a terminal. */
export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const positiveInt = (fallback: number) =>
  z.coerce.number().int("must be a whole number").positive("must be positive").default(fallback);

/** A comma-separated list; blanks around items and empty items are dropped. */
export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

export const commaList = (fallback = "") => z.string().default(fallback).transform(splitList);

export const booleanFlag = (fallback: boolean) =>
  z.stringbool({ error: "must be true or false" }).default(fallback);

export const repoRef = (required: string) =>
  z.string({ error: `is required (${required})` }).transform((value, ctx): RepoRef => {
    const ref = parseRepoRef(value);
    if (ref === undefined) {
      ctx.addIssue({ code: "custom", message: "must be owner/name" });
      return z.NEVER;
    }
    return ref;
  });

/**
 * A program and its arguments as a JSON array of strings: no shell is ever
 * involved. The value is never echoed back (it may hold credentials).
 */
export const argvJson = () =>
  z.string().transform((value, ctx): string[] => {
    try {
      const argv: unknown = JSON.parse(value);
      if (Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === "string") && argv[0] !== "") {
        return argv;
      }
    } catch {
      // fall through to the message below
    }
    ctx.addIssue({ code: "custom", message: 'must be a JSON array of strings naming a program, e.g. ["my-agent","--yes"]' });
    return z.NEVER;
  });

/**
 * The text of a secret mounted as a file (a `*_FILE` variable), or undefined with an issue on
 * that variable when it cannot be read; the issue names the error code only, never the content.
 */
export function readSecretFile(file: string, variable: string, ctx: z.RefinementCtx): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    ctx.addIssue({ code: "custom", path: [variable], message: `cannot be read (${code})` });
    return undefined;
  }
}

/** The first line of a secret file, trimmed: tokens and webhook secrets are one line, often with a newline after. */
export function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]?.trim() ?? "";
}
