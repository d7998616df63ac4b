import { spawn } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { TaskTimeoutError } from "@agent-runner/core";
import { terminateProcessGroup } from "./process-group.js";

export interface RunCommandOptions {
  /** Program and arguments; no shell is involved. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The complete environment of the child. */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Between SIGTERM and SIGKILL. */
  readonly killGraceMs: number;
  /** Receives stdout and stderr chunks in the order they arrive. */
  readonly onOutput: (chunk: Buffer) => void;
}

export interface CommandExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Runs a command as the leader of its own process group and resolves with how
 * it exited. On abort or timeout the whole group is terminated and the promise
 * rejects with the signal's reason or a TaskTimeoutError, so the caller's
 * timeout policy applies. After a normal exit, background processes left in
 * the group are terminated too: they must not keep editing the tree while the
 * worker commits it.
 */
export async function runCommand(options: RunCommandOptions): Promise<CommandExit> {
  options.signal.throwIfAborted();
  const [file, ...args] = options.argv;
  if (file === undefined) throw new Error("runCommand needs a non-empty argv");
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", options.onOutput);
  child.stderr.on("data", options.onOutput);
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exited = new Promise<CommandExit>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });

  let stopped: { reason: unknown; done: Promise<void> } | undefined;
  const stop = (reason: unknown): void => {
    stopped ??= { reason, done: terminateProcessGroup(child.pid, options.killGraceMs) };
  };
  const onAbort = (): void => stop(options.signal.reason);
  options.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => stop(new TaskTimeoutError(options.timeoutMs)), options.timeoutMs);
  let exit: CommandExit;
  try {
    exit = await exited;
  } catch (error) {
    // The program could not be started: there is no process to wait for.
    child.stdout.destroy();
    child.stderr.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onAbort);
  }
  await (stopped?.done ?? terminateProcessGroup(child.pid, options.killGraceMs));
  await drain(closed, options.killGraceMs + 500);
  child.stdout.destroy();
  child.stderr.destroy();
  if (stopped !== undefined) throw stopped.reason;
  return exit;
}

/** A process that left the group (setsid) may still hold the pipes open: wait for the rest of the output, not forever. */
async function drain(closed: Promise<void>, ms: number): Promise<void> {
  const timer = new AbortController();
  await Promise.race([closed, delay(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
  timer.abort();
}
