import { readdir, readFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Stops a process group: SIGTERM to all of it, then SIGKILL to whatever is
 * still running after the grace period. Signalling the group rather than the
 * leader is what reaches the grandchildren an agent leaves behind (servers,
 * watchers). Returns at once when the group is already empty.
 */
export async function terminateProcessGroup(pgid: number | undefined, graceMs: number): Promise<void> {
  if (pgid === undefined || !signalGroup(pgid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await delay(Math.min(50, graceMs));
    if (!(await groupIsRunning(pgid))) return;
  }
  signalGroup(pgid, "SIGKILL");
}

/**
 * Whether any member of the group still runs. Orphans that died stay in the
 * group as zombies until PID 1 reaps them, which a slow or missing init may
 * never do; on Linux /proc tells the two apart, elsewhere any member counts.
 */
async function groupIsRunning(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  let pids: string[];
  try {
    pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    // Fields after the parenthesised command name: state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (pgrp === String(pgid) && state !== "Z" && state !== "X") return true;
  }
  return false;
}

/** False when no process of the group is left. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: members exist that we may not signal; nothing more can be done for them.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
