import type { LogLine, ServiceProcess } from "@agent-runner/test-kit";

export interface KillRecord {
  /** Epoch ms when SIGKILL was sent. */
  readonly at: number;
  readonly process: string;
  /** Why it was killed then, e.g. `after push` or `after 1200 ms`. */
  readonly reason: string;
  /** Jobs the process had started and not yet finished. */
  readonly jobs: readonly string[];
}

const FINISHED = new Set(["task done", "task attempt failed"]);

/**
 * Records worker kills and, from the workers' "job started" lines, how long
 * each interrupted job waited before some worker took it up again.
 */
export class KillLedger {
  readonly kills: KillRecord[] = [];

  /** Call once the victim has exited (all its lines read), with the time the signal was sent. */
  record(victim: ServiceProcess, reason: string, at: number): KillRecord {
    const record = { at, process: victim.name, reason, jobs: inFlightJobs(victim.lines) };
    this.kills.push(record);
    return record;
  }

  /** For every interrupted job: ms from its kill to its next "job started" line in any process (undefined if never). */
  recoveries(processes: readonly ServiceProcess[]): Array<{ jobId: string; ms: number | undefined }> {
    const starts = processes
      .flatMap((p) => p.lines)
      .filter((l) => l.msg === "job started" && typeof l.time === "number")
      .sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
    return this.kills.flatMap((kill) =>
      kill.jobs.map((jobId) => {
        const next = starts.find((l) => l["jobId"] === jobId && (l.time ?? 0) > kill.at);
        return { jobId, ms: next?.time === undefined ? undefined : next.time - kill.at };
      }),
    );
  }
}

/** Job ids with a "job started" line and no finishing line after it, in this process's log. */
export function inFlightJobs(lines: readonly LogLine[]): string[] {
  const open = new Set<string>();
  for (const line of lines) {
    const jobId = line["jobId"];
    if (typeof jobId !== "string") continue;
    if (line.msg === "job started") open.add(jobId);
    else if (line.msg !== undefined && FINISHED.has(line.msg)) open.delete(jobId);
  }
  return [...open];
}

/** Nearest-rank percentile; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
