import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";

export interface DemoRedis {
  readonly url: string;
  readonly started: boolean;
  stop(): Promise<void>;
}

/** Uses the Redis at `url` when it answers; otherwise starts a private redis-server. */
export async function redisForDemo(url: string): Promise<DemoRedis> {
  if (await answers(url)) return { url, started: false, stop: async () => undefined };
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), "agent-runner-demo-redis-"));
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
    { stdio: "ignore" },
  );
  const started = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100 && !(await answers(started)); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    url: started,
    started: true,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}
