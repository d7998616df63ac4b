import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sleep } from "@agent-runner/core";
import { freePort } from "./free-port.js";
import { redisAnswersAt } from "./redis-ping.js";

export interface RedisServerOptions {
  /** Default: a free port. */
  readonly port?: number;
  /** AOF with `appendfsync everysec`, so a restart keeps the queue. */
  readonly appendOnly?: boolean;
  readonly maxmemoryPolicy?: string;
  /** `requirepass`: every client must AUTH (then `url` carries the password and `address` does not). */
  readonly password?: string;
}

/**
 * A private redis-server for tests that stop, restart or misconfigure Redis
 * (and for the demo on a machine without one): its own port and data
 * directory, never the shared instance on 6379.
 */
export class RedisServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  readonly log: string[] = [];

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServerProcess> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ar-redis-"));
    const server = new RedisServerProcess(options.port ?? (await freePort()), dir, options);
    try {
      await server.restart();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  get url(): string {
    return this.options.password === undefined ? this.address : `redis://:${encodeURIComponent(this.options.password)}@127.0.0.1:${this.port}`;
  }

  /** The server's URL without credentials. */
  get address(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts redis-server on the same port and directory (AOF is replayed) and waits until it answers. */
  async restart(): Promise<void> {
    if (this.running) throw new Error("redis-server is already running");
    const args = [
      "--port", String(this.port),
      "--bind", "127.0.0.1",
      "--dir", this.dir,
      "--save", "",
      "--daemonize", "no",
      "--protected-mode", "no",
      "--appendonly", this.options.appendOnly === true ? "yes" : "no",
      "--appendfsync", "everysec",
      ...(this.options.maxmemoryPolicy === undefined ? [] : ["--maxmemory-policy", this.options.maxmemoryPolicy]),
      ...(this.options.password === undefined ? [] : ["--requirepass", this.options.password]),
    ];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const collect = (chunk: Buffer): void => {
      this.log.push(chunk.toString("utf8"));
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    await this.waitUntilAnswering();
  }

  /** SIGTERM: redis-server shuts down cleanly, flushing the AOF, as on `SHUTDOWN`. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child?.kill("SIGTERM");
    await this.exited;
  }

  /** Stops the server if needed and removes its data directory. */
  async destroy(): Promise<void> {
    if (this.running) {
      this.child?.kill("SIGKILL");
      await this.exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async waitUntilAnswering(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`redis-server exited at start-up:\n${this.log.join("")}`);
      // A server still loading its AOF answers LOADING errors, not PONG.
      if (await redisAnswersAt(this.url)) return;
      await sleep(100);
    }
    throw new Error(`redis-server on port ${this.port} did not answer within ${timeoutMs} ms`);
  }
}
