import { readFileSync } from "node:fs";

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel build). */
const TICKS_PER_SECOND = 100;

export interface ProcCpu {
  /** User + system seconds of the process itself. */
  readonly own: number;
  /** User + system seconds of its children that have exited and been waited for. */
  readonly children: number;
}

/** Parses /proc/<pid>/stat text (the command name may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcCpu {
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number): number => Number(rest[n - 3]);
  return {
    own: (field(14) + field(15)) / TICKS_PER_SECOND,
    children: (field(16) + field(17)) / TICKS_PER_SECOND,
  };
}

/** CPU seconds of a live process, or undefined where there is no /proc (or the process is gone). */
export function processCpu(pid: number | "self"): ProcCpu | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}
