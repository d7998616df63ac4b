import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import { TaskTimeoutError } from "@agent-runner/core";
import type { CommandExit, SandboxRunRequest } from "./agent-sandbox.js";
import { ARGS_FD, DATA_FDS, type BubblewrapCommandLine } from "./bubblewrap-args.js";
import { bubblewrapExit } from "./bubblewrap-exit.js";
import { SandboxSetupError } from "./sandbox-setup-error.js";
import { stopSandbox } from "./stop-sandbox.js";

/** The generated files, by the descriptor bwrap reads each from. */
export type SandboxDataFiles = Readonly<Record<keyof typeof DATA_FDS, string>>;

/** Once bwrap has exited nothing inside can hold the pipes; this only bounds a slow last read. */
const DRAIN_MS = 1_000;
/**
 * bwrap's --json-status-fd: it writes `{ "exit-code": n }` there only when the
 * command was executed (bwrap 0.3.2 and later track that through a close-on-exec
 * pipe), so its absence tells bwrap's own failure (setup, execvp) from the
 * command's, whatever either printed. Only bwrap's monitor holds it. Typed
 * `number` because child.stdio is typed as a five-entry tuple.
 */
const STATUS_FD: number = 7;
/** The status documents and bwrap's own complaint are a few lines; anything past this is dropped. */
const KEPT_BYTES = 16 * 1024;

/**
 * Runs one bwrap process and resolves with how the command exited. Timeout
 * and abort stop the whole sandbox (stopSandbox) and reject with a
 * TaskTimeoutError or the signal's reason, as runCommand does without a
 * sandbox. bwrap exits only once the sandbox's PID namespace is empty, so when
 * this resolves or rejects no process of the command runs any more, not even
 * one it left in the background after a normal exit.
 */
export async function runBubblewrap(
  /** Absolute: bwrap is started with an empty environment, so without a PATH to look it up on. */
  bwrapPath: string,
  commandLine: BubblewrapCommandLine,
  data: SandboxDataFiles,
  request: SandboxRunRequest,
): Promise<CommandExit> {
  request.signal.throwIfAborted();
  const child = spawn(bwrapPath, ["--args", String(ARGS_FD), "--", ...commandLine.command], {
    // Empty, not just cleared inside (--clearenv): bwrap's PID 1 keeps this environment, readable in /proc/1/environ.
    env: {},
    // Its own process group: a Ctrl-C at the worker's terminal reaches the worker, which then aborts the task.
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "pipe", "pipe", "pipe", "pipe", "pipe"],
  });
  const options = [...commandLine.options, "--json-status-fd", String(STATUS_FD)];
  feed(child, ARGS_FD, options.map((option) => `${option}\0`).join(""));
  for (const [name, fd] of Object.entries(DATA_FDS)) feed(child, fd, data[name as keyof typeof DATA_FDS]);
  child.stdout?.on("data", request.onOutput);
  child.stderr?.on("data", request.onOutput);
  const stderr = keep(child.stderr);
  const status = keep(child.stdio[STATUS_FD] as Readable | null | undefined);
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exited = new Promise<CommandExit>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(bubblewrapExit(code, signal)));
  });
  const gone = exited.then(
    () => undefined,
    () => undefined,
  );

  let stopped: { reason: unknown; done: Promise<void> } | undefined;
  const stop = (reason: unknown): void => {
    if (child.pid === undefined) return;
    stopped ??= { reason, done: stopOrKill(child.pid, request.killGraceMs, gone) };
  };
  const onAbort = (): void => stop(request.signal.reason);
  request.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => stop(new TaskTimeoutError(request.timeoutMs)), request.timeoutMs);
  let exit: CommandExit;
  try {
    exit = await exited;
  } catch (error) {
    // bwrap could not be started: there is no process to wait for.
    destroyStdio(child);
    throw error;
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener("abort", onAbort);
  }
  await stopped?.done;
  await drain(closed);
  // bwrap has exited: its status descriptor (held by nothing else) is at its end, or about to be.
  await drain(status.ended);
  destroyStdio(child);
  if (stopped !== undefined) throw stopped.reason;
  if (exit.code !== null && exit.code !== 0 && !/"exit-code"\s*:/.test(status.text())) {
    throw new SandboxSetupError("bubblewrap", stderr.text(), exit);
  }
  return exit;
}

/** The first KEPT_BYTES of a stream, and when it ended. */
function keep(stream: Readable | null | undefined): { text: () => string; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on("data", (chunk: Buffer) => {
    if (size < KEPT_BYTES) chunks.push(chunk.subarray(0, KEPT_BYTES - size));
    size += chunk.length;
  });
  stream?.on("error", () => undefined);
  const ended = stream == null ? Promise.resolve() : new Promise<void>((resolve) => stream.once("close", () => resolve()));
  return { text: () => Buffer.concat(chunks).toString("utf8"), ended };
}

/** Hands bwrap one descriptor's content. bwrap may die before reading it (a bad option): that EPIPE is no news. */
function feed(child: ChildProcess, fd: number, text: string): void {
  const stream = child.stdio[fd] as Writable | null | undefined;
  stream?.on("error", () => undefined);
  stream?.end(text);
}

/** A failure to stop gracefully (say /proc unreadable) must still end the sandbox: --die-with-parent does the rest. */
async function stopOrKill(pid: number, graceMs: number, gone: Promise<void>): Promise<void> {
  try {
    await stopSandbox(pid, graceMs, gone);
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    await gone;
  }
}

async function drain(closed: Promise<void>): Promise<void> {
  const timer = new AbortController();
  await Promise.race([closed, delay(DRAIN_MS, undefined, { signal: timer.signal }).catch(() => undefined)]);
  timer.abort();
}

function destroyStdio(child: ChildProcess): void {
  for (const stream of child.stdio) stream?.destroy();
}
