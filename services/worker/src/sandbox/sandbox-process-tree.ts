import { readdir, readFile } from "node:fs/promises";

/**
 * Every process below `pid`, as the host sees it. The sandboxed processes all
 * descend from the bwrap process the worker started, even those that setsid or
 * double-fork: an orphan inside is adopted by the sandbox's own PID 1, itself a
 * child of bwrap. So this finds them all without entering the namespace.
 */
export async function descendantsOf(pid: number): Promise<number[]> {
  const children = await childrenByParent();
  const found: number[] = [];
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      pending.push(child);
    }
  }
  return found;
}

/** Whether `pid` still runs; a zombie waiting to be reaped does not count. */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  return stat !== "" && state !== "Z" && state !== "X";
}

/** Sends `signal` to each process that still exists; the ones that have gone meanwhile are no error. */
export function signalEach(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
}

async function childrenByParent(): Promise<Map<number, number[]>> {
  const pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  const children = new Map<number, number[]>();
  await Promise.all(
    pids.map(async (name) => {
      const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
      // Fields after the parenthesised command name: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (stat === "" || !Number.isInteger(ppid)) return;
      const siblings = children.get(ppid) ?? [];
      siblings.push(Number(name));
      children.set(ppid, siblings);
    }),
  );
  return children;
}
