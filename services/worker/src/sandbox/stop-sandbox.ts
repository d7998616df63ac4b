import { setTimeout as delay } from "node:timers/promises";
import { descendantsOf, signalEach } from "./sandbox-process-tree.js";

/** How long bwrap gets to notice its PID 1 was killed before it is killed itself. */
const FORCE_MS = 2_000;

/**
 * Stops a running sandbox. First SIGTERM to every process inside, so an agent
 * can save its work or clean up; bwrap's own PID 1 ignores it (an init only
 * receives the signals it handles from an ancestor namespace) and bwrap itself
 * is spared, as killing it would skip the grace period. After `graceMs`,
 * SIGKILL to everything inside: the kernel always delivers that one to the
 * namespace's PID 1, and once PID 1 dies it kills every other process there,
 * whatever they did to detach. Resolves when bwrap has exited, which it does
 * only after reaping PID 1, i.e. after the namespace is empty.
 */
export async function stopSandbox(bwrapPid: number, graceMs: number, exited: Promise<void>): Promise<void> {
  signalEach(await descendantsOf(bwrapPid), "SIGTERM");
  if (await settlesWithin(exited, graceMs)) return;
  const inside = await descendantsOf(bwrapPid);
  signalEach(inside, "SIGKILL");
  // Nothing inside yet (bwrap is still setting up) or bwrap hangs: kill it; --die-with-parent takes its child along.
  if (inside.length === 0 || !(await settlesWithin(exited, FORCE_MS))) signalEach([bwrapPid], "SIGKILL");
  await exited;
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const settled = await Promise.race([
    promise.then(() => true),
    delay(ms, false, { signal: timer.signal }).catch(() => false),
  ]);
  timer.abort();
  return settled;
}
