import { constants } from "node:os";
import type { CommandExit } from "./agent-sandbox.js";

const SIGNAL_NAMES = new Map(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/**
 * bwrap exits with the command's code, but turns a command killed by signal n
 * into exit code 128 + n, as a shell does. That is undone here so a crash or
 * an OOM kill reads "killed by SIGKILL" like it does without a sandbox; a
 * command that really exits with 137 reads the same, as it would in a shell.
 */
export function bubblewrapExit(code: number | null, signal: NodeJS.Signals | null): CommandExit {
  if (code === null || code <= 128) return { code, signal };
  const name = SIGNAL_NAMES.get(code - 128);
  return name === undefined ? { code, signal } : { code: null, signal: name };
}
