import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { freePort } from "./free-port.js";
import { SERVICE_ENTRY } from "./paths.js";
import { sleep, waitFor } from "./wait-for.js";

export type ServiceKind = "worker" | "poller";

/** One JSON log line of a service (pino), as parsed. */
export type LogLine = Record<string, unknown> & { time?: number; msg?: string };

export interface ServiceProcessOptions {
  readonly kind: ServiceKind;
  readonly name: string;
  /** The service's configuration; PORT is chosen here. */
  readonly env: Record<string, string>;
  /** stdout and stderr go to `<logDir>/<name>.log`, for post-mortems. */
  readonly logDir: string;
  readonly nodeArgs?: readonly string[];
  readonly onLine?: (line: LogLine) => void;
}

/** Only these of our own environment reach a service; its configuration comes from `env` alone. */
const INHERITED = ["PATH", "HOME", "TMPDIR", "LANG", "SystemRoot"];
const STOP_GRACE_MS = 20_000;

/** A worker or poller started as its own process from services/<kind>/dist/main.js. */
export class ServiceProcess {
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;
  private readonly tail: string[] = [];

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly log: WriteStream,
    onLine: ((line: LogLine) => void) | undefined,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitCode = code ?? (signal === null ? null : -1);
        resolve();
      });
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (text) => {
      this.log.write(`${text}\n`);
      this.remember(text);
      if (onLine === undefined || !text.startsWith("{")) return;
      try {
        onLine(JSON.parse(text) as LogLine);
      } catch {
        // not a log line of ours
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.log.write(chunk);
      this.remember(chunk.toString("utf8"));
    });
  }

  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const port = await freePort();
    const inherited = Object.fromEntries(INHERITED.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), SERVICE_ENTRY[options.kind]], {
      env: { ...inherited, ...options.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log = createWriteStream(path.join(options.logDir, `${options.name}.log`));
    const service = new ServiceProcess(options.name, port, child, log, options.onLine);
    try {
      await waitFor(() => service.ready(), { timeoutMs: 60_000, intervalMs: 100, what: `${options.name} to be ready`, abortIf: () => service.assertAlive() });
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Throws (with the last lines it printed) once the process has exited. */
  assertAlive(): void {
    if (this.exitCode !== undefined) {
      throw new Error(`${this.name} exited with ${String(this.exitCode)}; last output:\n${this.tail.join("").slice(-2000)}`);
    }
  }

  async metrics(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.port}/metrics`);
    if (!response.ok) throw new Error(`${this.name} /metrics answered ${response.status}`);
    return response.text();
  }

  /** SIGTERM (the service finishes or aborts its jobs), then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.exitCode === undefined) {
      this.child.kill("SIGTERM");
      const stopped = await Promise.race([this.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) {
        this.child.kill("SIGKILL");
        await this.exited;
      }
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
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

  private remember(text: string): void {
    this.tail.push(text.endsWith("\n") ? text : `${text}\n`);
    if (this.tail.length > 40) this.tail.shift();
  }
}
