import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { freePort } from "./free-port.js";
import { serviceEntry, type ServiceKind } from "./service-entry.js";
import { waitFor } from "./wait-for.js";

/**
 * One parsed pino line of a service, `time` as epoch ms whether the service
 * wrote a number or an ISO string (a line that is not JSON comes as `{ msg, unparsed: true }`).
 */
export type LogLine = Readonly<Record<string, unknown>> & { readonly msg?: string; readonly time?: number };

export interface ServiceProcessOptions {
  readonly kind: ServiceKind;
  readonly name: string;
  /** The service's configuration, on top of the few variables a child inherits (PATH, HOME, …). */
  readonly env: Record<string, string>;
  readonly nodeArgs?: readonly string[];
  /** Every line of stdout and stderr is also appended here, for post-mortems. */
  readonly logFile?: string;
  /** Called with each parsed stdout line as it arrives. */
  readonly onLine?: (line: LogLine) => void;
  /** Called with each raw line of either stream (the demo prints them). */
  readonly onText?: (text: string, stream: "stdout" | "stderr") => void;
  /** Keep every line in `lines` and `stderr` (default true); long benchmark runs keep only a tail. */
  readonly keepLines?: boolean;
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Index in `lines` to start looking at; default 0 (lines already seen count). */
  readonly from?: number;
  /** Called synchronously on the matching line, before anything else runs (e.g. to SIGKILL at once). */
  readonly onMatch?: (line: LogLine) => void;
}

/** What a child inherits from us: enough to run node and git, and no stray secrets. */
const INHERITED = ["PATH", "HOME", "TMPDIR", "LANG", "SystemRoot"];
const TAIL_LINES = 40;

/**
 * A poller or worker run as a real process from its package's built entry
 * point, its JSON log lines parsed as they arrive so callers can react to them.
 */
export class ServiceProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly startedAt = Date.now();
  private readonly listeners = new Set<(line: LogLine) => void>();
  private readonly tail: string[] = [];
  private readonly keepLines: boolean;

  private constructor(
    readonly name: string,
    /** The ops port when it was chosen up front (`start`); otherwise read from the log (`opsPort()`). */
    readonly port: number | undefined,
    private readonly child: ChildProcess,
    private readonly options: ServiceProcessOptions,
  ) {
    this.keepLines = options.keepLines ?? true;
    const log: WriteStream | undefined = options.logFile === undefined ? undefined : createWriteStream(options.logFile);
    const stdoutDone = this.readLines(child.stdout, "stdout", log);
    const stderrDone = this.readLines(child.stderr, "stderr", log);
    // "close", not "exit": by then every line the process wrote has been read.
    this.exited = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        void Promise.all([stdoutDone, stderrDone])
          .then(() => new Promise<void>((done) => (log === undefined ? done() : log.end(done))))
          .then(() => resolve({ code, signal }));
      });
    });
  }

  /** Spawns the service and returns at once (it may never become ready: some tests want exactly that). */
  static spawn(options: ServiceProcessOptions): ServiceProcess {
    return ServiceProcess.launch(options, undefined);
  }

  /** Spawns the service on a free ops port and waits until its /readyz answers 200. */
  static async start(options: ServiceProcessOptions, timeoutMs = 60_000): Promise<ServiceProcess> {
    const service = ServiceProcess.launch(options, await freePort());
    try {
      await waitFor(() => service.ready(), timeoutMs, `${options.name} to be ready`, { abortIf: () => service.assertAlive() });
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  private static launch(options: ServiceProcessOptions, port: number | undefined): ServiceProcess {
    const inherited = Object.fromEntries(INHERITED.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
    const env = { ...inherited, ...options.env, ...(port === undefined ? {} : { PORT: String(port) }) };
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), serviceEntry(options.kind)], { env, stdio: ["ignore", "pipe", "pipe"] });
    return new ServiceProcess(options.name, port, child, options);
  }

  get kind(): ServiceKind {
    return this.options.kind;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Throws, with the last lines it printed, once the process has exited. */
  assertAlive(): void {
    if (this.alive) return;
    const how = this.child.exitCode ?? this.child.signalCode;
    throw new Error(`${this.name} exited with ${String(how)}; last output:\n${this.tail.join("\n").slice(-2000)}`);
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

  /** The port its ops server listens on: the one chosen at start, or the one it logs (`PORT=0`, LOG_LEVEL info). */
  async opsPort(timeoutMs = 60_000): Promise<number> {
    if (this.port !== undefined) return this.port;
    const line = await this.waitForLine((l) => l.msg === "ops server listening", { timeoutMs });
    return Number(line["port"]);
  }

  async metrics(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${await this.opsPort()}/metrics`);
    if (!response.ok) throw new Error(`${this.name} /metrics answered ${response.status}`);
    return response.text();
  }

  /** Sends `signal` now (synchronously) if the process is alive. */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    this.signal(signal);
    await this.exited;
  }

  /** SIGTERM (the service finishes or aborts its jobs), then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.alive) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }

  /** Everything the process wrote (or its last lines when `keepLines` is off), for failure messages and leak scans. */
  output(): string {
    if (!this.keepLines) return this.tail.join("\n");
    return `${this.lines.map((l) => JSON.stringify(l)).join("\n")}\n${this.stderr.join("\n")}`;
  }

  private async ready(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.port}/readyz`);
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  /** Splits a stream into lines (the last one flushed at its end); resolves when the stream has ended. */
  private readLines(stream: Readable | null, name: "stdout" | "stderr", log: WriteStream | undefined): Promise<void> {
    if (stream === null) return Promise.resolve();
    let partial = "";
    const take = (raw: string): void => {
      log?.write(`${raw}\n`);
      this.options.onText?.(raw, name);
      this.tail.push(raw);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
      if (name === "stderr") {
        if (this.keepLines) this.stderr.push(raw);
      } else if (raw.trim() !== "") {
        this.parsed(raw);
      }
    };
    stream.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      for (const raw of parts) take(raw);
    });
    return new Promise((resolve) =>
      stream.once("close", () => {
        if (partial !== "") take(partial);
        partial = "";
        resolve();
      }),
    );
  }

  private parsed(raw: string): void {
    if (!this.keepLines && this.options.onLine === undefined && this.listeners.size === 0) return;
    let line: LogLine;
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      line = typeof parsed["time"] === "string" ? { ...parsed, time: Date.parse(parsed["time"]) } : parsed;
    } catch {
      line = { msg: raw, unparsed: true };
    }
    if (this.keepLines) this.lines.push(line);
    this.options.onLine?.(line);
    for (const listener of [...this.listeners]) listener(line);
  }
}
