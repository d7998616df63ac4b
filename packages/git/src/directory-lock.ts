import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { sleep } from "@agent-runner/core";
import { createAbortError } from "./abort-error.js";

export interface DirectoryLockOptions {
  /** A lock whose directory was not touched for this long is considered abandoned. */
  readonly staleMs?: number;
  readonly signal?: AbortSignal;
}

export interface DirectoryLock {
  release(): Promise<void>;
}

interface LockOwner {
  readonly token: string | undefined;
  readonly pid: number | undefined;
  readonly host: string | undefined;
  readonly touchedAtMs: number;
}

const DEFAULT_STALE_MS = 120_000;
const OWNER_FILE = "owner.json";
/** Breaking a stale lock takes milliseconds; a break marker older than this was left by a crash. */
const BREAK_STALE_MS = 30_000;
const MAX_POLL_MS = 500;

/**
 * A lock shared by every process that sees the same directory: `mkdir` either
 * creates the directory or fails, atomically, on every local filesystem.
 * The holder refreshes the directory's mtime so a waiter can tell a slow
 * holder from a dead one.
 */
export async function acquireDirectoryLock(path: string, options: DirectoryLockOptions = {}): Promise<DirectoryLock> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  let pollMs = 10;
  for (;;) {
    const lock = await tryAcquireDirectoryLock(path, { staleMs });
    if (lock !== undefined) return lock;
    await breakIfStale(path, staleMs);
    // Callers recognise a cancelled git operation by its AbortError, whatever the reason.
    await sleep(pollMs + Math.random() * pollMs, options.signal).catch(() => {
      throw createAbortError(options.signal);
    });
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
}

/** Takes the lock if it is free right now; `undefined` otherwise. */
export async function tryAcquireDirectoryLock(
  path: string,
  options: { staleMs?: number } = {},
): Promise<DirectoryLock | undefined> {
  try {
    await mkdir(path, { mode: 0o700 });
  } catch (error) {
    if (errorCode(error) === "EEXIST") return undefined;
    throw error;
  }
  const token = randomUUID();
  // "wx": the directory is brand new, so anything already at the name (a planted link) is refused, not followed.
  await writeFile(join(path, OWNER_FILE), JSON.stringify({ token, pid: process.pid, host: hostname() }), { flag: "wx", mode: 0o600 });
  return new HeldLock(path, token, (options.staleMs ?? DEFAULT_STALE_MS) / 4);
}

class HeldLock implements DirectoryLock {
  private readonly heartbeat: NodeJS.Timeout;
  private released = false;

  constructor(
    private readonly path: string,
    private readonly token: string,
    heartbeatMs: number,
  ) {
    this.heartbeat = setInterval(() => {
      const now = new Date();
      utimes(this.path, now, now).catch(() => undefined);
    }, heartbeatMs);
    // A forgotten lock must not keep the process alive; staleness frees it for others.
    this.heartbeat.unref();
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    // If someone judged us dead and took over, the directory is theirs now.
    const owner = await readOwner(this.path);
    if (owner?.token === this.token) await rm(this.path, { recursive: true, force: true });
  }
}

/**
 * Removes `path` if its holder is gone. A second mkdir-lock serialises the
 * breakers, and the owner is re-read under it, so a waiter that saw the old
 * holder cannot delete the lock a faster waiter has just taken.
 */
export async function breakStaleDirectoryLock(path: string, staleMs: number = DEFAULT_STALE_MS): Promise<void> {
  await breakIfStale(path, staleMs);
}

async function breakIfStale(path: string, staleMs: number): Promise<void> {
  const seen = await readOwner(path);
  if (seen === undefined || !isStale(seen, staleMs)) return;
  const breakPath = `${path}.break`;
  try {
    await mkdir(breakPath);
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
    await removeIfOlderThan(breakPath, BREAK_STALE_MS);
    return;
  }
  try {
    const again = await readOwner(path);
    if (again !== undefined && again.token === seen.token && isStale(again, staleMs)) {
      await rm(path, { recursive: true, force: true });
    }
  } finally {
    await rm(breakPath, { recursive: true, force: true });
  }
}

function isStale(owner: LockOwner, staleMs: number): boolean {
  if (Date.now() - owner.touchedAtMs > staleMs) return true;
  // Only a pid from this host means anything; pid namespaces differ across hosts.
  return owner.host === hostname() && owner.pid !== undefined && !isProcessAlive(owner.pid);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  let touchedAtMs: number;
  try {
    touchedAtMs = (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(await readFile(join(path, OWNER_FILE), "utf8")) as Partial<Record<string, unknown>>;
    return {
      token: typeof parsed["token"] === "string" ? parsed["token"] : undefined,
      pid: typeof parsed["pid"] === "number" ? parsed["pid"] : undefined,
      host: typeof parsed["host"] === "string" ? parsed["host"] : undefined,
      touchedAtMs,
    };
  } catch {
    // Between mkdir and writing the owner file: judged on age alone.
    return { token: undefined, pid: undefined, host: undefined, touchedAtMs };
  }
}

async function removeIfOlderThan(path: string, ageMs: number): Promise<void> {
  try {
    if (Date.now() - (await stat(path)).mtimeMs > ageMs) await rm(path, { recursive: true, force: true });
  } catch {
    // Already gone.
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? (error as { code?: string }).code : undefined;
}
