import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Cluster } from "ioredis";
import { requireBinary } from "./system-binary.js";
import { waitFor } from "./wait-for.js";

const run = promisify(execFile);

export interface RedisClusterProcess {
  /** `host:port` seeds, e.g. for REDIS_CLUSTER_NODES. */
  readonly nodes: readonly string[];
  close(): Promise<void>;
}

/**
 * A local Redis Cluster of `masters` masters (no replicas), each its own
 * redis-server process in a temp dir, joined with `redis-cli --cluster create`.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterProcess> {
  const server = requireBinary("/usr/bin/redis-server", "redis-server");
  const cli = requireBinary("/usr/bin/redis-cli", "redis-cli");
  const dir = await mkdtemp(path.join(os.tmpdir(), "ar-cluster-"));
  const children: ChildProcess[] = [];
  const ports = await clusterPorts(masters);
  try {
    for (const port of ports) {
      const nodeDir = path.join(dir, String(port));
      await mkdir(nodeDir);
      children.push(
        spawn(
          server,
          ["--port", String(port), "--bind", "127.0.0.1", "--dir", nodeDir, "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no",
            "--maxmemory-policy", "noeviction"],
          { stdio: "ignore" },
        ),
      );
    }
    for (const port of ports) await waitForPing(cli, port);
    await run(cli, ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"]);
    await waitForClusterOk(ports);
  } catch (error) {
    await stopAll(children);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes: ports.map((p) => `127.0.0.1:${p}`),
    async close() {
      await stopAll(children);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(cli: string, port: number): Promise<void> {
  await waitFor(
    async () => (await run(cli, ["-p", String(port), "ping"])).stdout.trim() === "PONG",
    20_000,
    `redis-server on ${port} to answer PING`,
  );
}

async function waitForClusterOk(ports: number[]): Promise<void> {
  const cluster = new Cluster(ports.map((port) => ({ host: "127.0.0.1", port })), { clusterRetryStrategy: () => 200 });
  try {
    await waitFor(
      async () => String(await cluster.cluster("INFO")).includes("cluster_state:ok"),
      20_000,
      "the cluster to reach cluster_state:ok",
    );
  } finally {
    cluster.disconnect();
  }
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }),
  );
}

/** Ports whose cluster bus port (+10000) is free too. */
async function clusterPorts(count: number): Promise<number[]> {
  const out: number[] = [];
  for (let candidate = 21000 + Math.floor(Math.random() * 20000); out.length < count; candidate++) {
    if ((await isFree(candidate)) && (await isFree(candidate + 10000))) out.push(candidate);
  }
  return out;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
