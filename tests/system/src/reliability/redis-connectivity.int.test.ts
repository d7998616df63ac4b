import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA, freePort, ProcessFleet, RedisServerProcess, uniquePrefix, waitFor, type ServiceProcess } from "@agent-runner/test-kit";

async function readyStatus(port: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

describe("services and an unavailable or misconfigured Redis", () => {
  let sandbox: Sandbox;
  let fleet: ProcessFleet | undefined;
  let redisServer: RedisServerProcess | undefined;
  let workspaceDir: string | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await fleet?.close();
    await redisServer?.destroy();
    if (workspaceDir !== undefined) await rm(workspaceDir, { recursive: true, force: true });
    fleet = undefined;
    redisServer = undefined;
    workspaceDir = undefined;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  /** One fleet per test; each process names its Redis. */
  async function startFleet(dispatch: string): Promise<ProcessFleet> {
    workspaceDir = await mkdtemp(path.join(os.tmpdir(), "ar-redis-conn-"));
    fleet = new ProcessFleet({
      GITHUB_TOKEN: sandbox.tokens.owner,
      GITHUB_API_URL: sandbox.apiUrl,
      DISPATCH_REPO: `acme/${dispatch}`,
      QUEUE_PREFIX: uniquePrefix("test"),
      WORKSPACE_DIR: workspaceDir,
      PORT: "0",
      POLL_INTERVAL_SECONDS: "1",
      GITHUB_WRITES_PER_MINUTE: "0",
      LOG_LEVEL: "info",
    });
    return fleet;
  }

  it("keeps a worker and a poller alive and retrying while Redis is unreachable at start-up, then serves once it appears", async () => {
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch-late" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target-late" });
    const issue = sandbox.admin.createIssue("acme", "dispatch-late", {
      title: "late redis",
      body: formatA("late-redis-1", "acme/target-late"),
      labels: ["copilot-agent"],
    });
    const port = await freePort();
    const active = await startFleet("dispatch-late");
    const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
    const services: ServiceProcess[] = [active.start("worker", env), active.start("poller", env)];
    for (const service of services) {
      const warning = await service.waitForLine((l) => l.msg === "Redis unreachable, retrying", { timeoutMs: 30_000 });
      expect(warning, service.name).toMatchObject({ level: "warn", attempt: 1 });
      expect(typeof warning["delayMs"]).toBe("number");
    }
    const opsPorts = await Promise.all(services.map((s) => s.opsPort()));
    // Long enough for several reconnect attempts: a crash loop or a fatal exit would show by now.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(services.map((s) => s.alive)).toEqual([true, true]);
    expect(await Promise.all(opsPorts.map(readyStatus))).toEqual([503, 503]);
    // Reconnects back off: no more than a handful of attempts in these seconds.
    for (const service of services) {
      const refused = service.lines.filter((l) => JSON.stringify(l).includes("ECONNREFUSED")).length;
      expect(refused, `${service.name} connection errors logged`).toBeLessThan(60);
    }

    redisServer = await RedisServerProcess.start({ port });
    for (const [i, opsPort] of opsPorts.entries()) {
      await waitFor(async () => (await readyStatus(opsPort)) === 200, 60_000, `${services[i]?.name} ready`);
    }
    await waitFor(
      () => sandbox.admin.getIssue("acme", "dispatch-late", issue.number)?.labels.some((l) => l.name === "processed"),
      90_000,
      "the dispatched task processed",
    );
    expect(services.map((s) => s.alive)).toEqual([true, true]);
    expect(active.processes).toHaveLength(2);
    expect(sandbox.admin.listPulls("acme", "target-late")).toHaveLength(1);
  });

  it("warns, naming the policy, when Redis may evict queue keys (allkeys-lru), and not under noeviction", async () => {
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch-evict" });
    const evicting = await RedisServerProcess.start({ maxmemoryPolicy: "allkeys-lru" });
    redisServer = evicting;
    const active = await startFleet("dispatch-evict");
    const lru = [active.start("worker", { REDIS_URL: evicting.url }), active.start("poller", { REDIS_URL: evicting.url })];
    for (const service of lru) {
      const warning = await service.waitForLine((l) => l.level === "warn" && l["policy"] !== undefined, { timeoutMs: 30_000 });
      expect(warning["policy"], service.name).toBe("allkeys-lru");
      expect(String(warning.msg)).toMatch(/maxmemory-policy/);
    }
    await Promise.all(lru.map((s) => s.stop()));
    await evicting.destroy();

    const safe = await RedisServerProcess.start({ maxmemoryPolicy: "noeviction" });
    redisServer = safe;
    const control = [active.start("worker", { REDIS_URL: safe.url }), active.start("poller", { REDIS_URL: safe.url })];
    await Promise.all(control.map((s) => s.opsPort()));
    await control[1]?.waitForLine((l) => l.msg === "poll finished", { timeoutMs: 30_000 });
    for (const service of control) {
      expect(service.lines.filter((l) => l["policy"] !== undefined), service.name).toEqual([]);
    }
  });

  it("authenticates with REDIS_PASSWORD to a Redis that requires it, processes a task, and never logs the password", async () => {
    await sandbox.admin.createRepo({ owner: "acme", name: "dispatch-auth" });
    await sandbox.admin.createRepo({ owner: "acme", name: "target-auth" });
    const password = randomBytes(12).toString("hex");
    const guarded = await RedisServerProcess.start({ password });
    redisServer = guarded;
    // The control: the server really refuses a client that does not authenticate.
    const anonymous = new Redis(guarded.address, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
    anonymous.on("error", () => undefined);
    try {
      await anonymous.connect();
      await expect(anonymous.set("redis-auth-probe", "1")).rejects.toThrow(/NOAUTH/);
    } finally {
      anonymous.disconnect();
    }
    const issue = sandbox.admin.createIssue("acme", "dispatch-auth", {
      title: "guarded redis",
      body: formatA("guarded-redis-1", "acme/target-auth"),
      labels: ["copilot-agent"],
    });
    const active = await startFleet("dispatch-auth");
    const env = { REDIS_URL: guarded.address, REDIS_PASSWORD: password, LOG_LEVEL: "debug" };
    const services = [active.start("worker", env), active.start("poller", env)];
    await waitFor(
      () => sandbox.admin.getIssue("acme", "dispatch-auth", issue.number)?.labels.some((l) => l.name === "processed"),
      90_000,
      "the dispatched task processed",
    );
    expect(sandbox.admin.listPulls("acme", "target-auth")).toHaveLength(1);
    for (const service of services) {
      expect(service.lines.length, service.name).toBeGreaterThan(0);
      expect(service.lines.filter((l) => JSON.stringify(l).includes(password)), service.name).toEqual([]);
    }
  });
});
