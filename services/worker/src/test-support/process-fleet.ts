import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One parsed pino line of a child process. */
export type LogLine = Readonly<Record<string, unknown>> & { readonly msg?: string; readonly time?: number };

export type ServiceKind = "poller" | "worker";

const ENTRY_POINTS: Record<ServiceKind, string> = {
  poller: fileURLToPath(new URL("../../../poller/dist/main.js", import.meta.url)),
  worker: fileURLToPath(new URL("../../dist/main.js", import.meta.url)),
};

/** What a child inherits from the test process: enough to run node and git, and no stray secrets. */
const INHERITED = ["PATH", "HOME", "TMPDIR", "LANG", "SYSTEMROOT"];

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Index in `lines` to start looking at; default 0 (lines already seen count). */
  readonly from?: number;
  /** Called synchronously on the matching line, before anything else runs (e.g. to SIGKILL at once). */
  readonly onMatch?: (line: LogLine) => void;
}

/**
 * A poller or worker started as a real process (`node services/<kind>/dist/main.js`)
 * whose JSON log lines are parsed as they arrive, so tests can react to them.
 */
export class ServiceProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly startedAt = Date.now();
  private readonly listeners = new Set<(line: LogLine) => void>();
  private readonly child: ChildProcess;
  private partial = "";

  constructor(
    readonly kind: ServiceKind,
    readonly name: string,
    env: Record<string, string>,
  ) {
    const entry = ENTRY_POINTS[kind];
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`pnpm build\` first`);
    const inherited = Object.fromEntries(INHERITED.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
    this.child = spawn(process.execPath, [entry], { env: { ...inherited, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    // "close", not "exit": by then every line the process wrote has been read.
    this.exited = new Promise((resolve) =>
      this.child.once("close", (code, signal) => resolve({ code, signal })),
    );
    this.child.stdout?.on("data", (chunk: Buffer) => this.consume(chunk.toString("utf8")));
    this.child.stderr?.on("data", (chunk: Buffer) => this.stderr.push(chunk.toString("utf8")));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first line matching `match` (from `options.from` on). */
  waitForLine(match: (line: LogLine) => boolean, options: WaitOptions = {}): Promise<LogLine> {
    const { timeoutMs = 60_000, from = 0, onMatch } = options;
    const seen = this.lines.slice(from).find(match);
    if (seen !== undefined) {
      onMatch?.(seen);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`${this.name}: no matching log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (line: LogLine): void => {
        if (!match(line)) return;
        this.listeners.delete(listener);
        clearTimeout(timer);
        onMatch?.(line);
        resolve(line);
      };
      this.listeners.add(listener);
    });
  }

  /** The port its ops server (`PORT=0`) listens on. */
  async opsPort(timeoutMs = 60_000): Promise<number> {
    const line = await this.waitForLine((l) => l.msg === "ops server listening", { timeoutMs });
    return Number(line["port"]);
  }

  /** Sends `signal` now (synchronously) if the process is alive. */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    this.signal(signal);
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Everything the process wrote, for failure messages and leak scans. */
  output(): string {
    return `${this.lines.map((l) => JSON.stringify(l)).join("\n")}\n${this.stderr.join("")}`;
  }

  private consume(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    for (const raw of parts) {
      if (raw.trim() === "") continue;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { msg: raw, unparsed: true };
      }
      this.lines.push(line);
      for (const listener of [...this.listeners]) listener(line);
    }
  }
}

/** Starts service processes with a common environment and kills whatever is left on close(). */
export class ProcessFleet {
  readonly processes: ServiceProcess[] = [];
  private counter = 0;

  constructor(private readonly baseEnv: Record<string, string>) {}

  start(kind: ServiceKind, env: Record<string, string> = {}): ServiceProcess {
    const started = new ServiceProcess(kind, `${kind}-${this.counter++}`, { ...this.baseEnv, ...env });
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
