import type { ServiceKind } from "./service-entry.js";
import { ServiceProcess, type LogLine } from "./service-process.js";

/** Starts service processes with a common environment and kills whatever is left on close(). */
export class ProcessFleet {
  readonly processes: ServiceProcess[] = [];
  private counter = 0;

  constructor(private readonly baseEnv: Record<string, string>) {}

  /** Spawns `kind` without waiting for it (tests wait for the log lines they care about). */
  start(kind: ServiceKind, env: Record<string, string> = {}): ServiceProcess {
    const started = ServiceProcess.spawn({ kind, name: `${kind}-${this.counter++}`, env: { ...this.baseEnv, ...env } });
    this.processes.push(started);
    return started;
  }

  /** Every log line of every process this fleet started, in arrival order per process. */
  allLines(): LogLine[] {
    return this.processes.flatMap((p) => p.lines);
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill("SIGKILL")));
  }
}
