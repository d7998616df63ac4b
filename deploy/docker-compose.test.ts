import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { describeRun, repoPath, run, runs } from "./test-support/tools.js";

type Service = Record<string, unknown> & {
  image?: string;
  build?: { context?: string; target?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | string[];
  ports?: unknown[];
  expose?: unknown[];
  healthcheck?: { test?: string | string[] };
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: string[];
  profiles?: string[];
  stop_grace_period?: string;
  security_opt?: string[];
};

const composeText = readFileSync(repoPath("docker-compose.yml"), "utf8");
/** What the worker's bubblewrap sandbox needs in a container (tests/system/src/containers runs it on podman). */
const WORKER_SECURITY_OPT = ["systempaths=unconfined", "seccomp=unconfined", "apparmor=unconfined", "no-new-privileges:true"];
const compose = parse(composeText) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const sandboxOverride = parse(readFileSync(repoPath("deploy/compose.sandbox.yml"), "utf8")) as {
  services: Record<string, Service>;
};

function environmentOf(service: Service | undefined): Record<string, string> {
  const environment = service?.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(environment.map((entry) => entry.split(/=(.*)/s, 2) as [string, string]));
  }
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value ?? "")]));
}

function healthcheckCommand(service: Service | undefined): string[] {
  const test = service?.healthcheck?.test;
  if (test === undefined) return [];
  if (typeof test === "string") return ["CMD-SHELL", test];
  return test;
}

/** "11m", "1m30s", "600s", "90" (seconds) -> seconds. */
function durationSeconds(value: string | undefined): number {
  if (value === undefined) return 0;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)?/g)) total += Number(amount) * units[unit ?? "s"]!;
  return total;
}

/** The default the documentation gives for a variable (`# NAME=value` in .env.example). */
function documentedDefault(name: string): string | undefined {
  const envExample = readFileSync(repoPath(".env.example"), "utf8");
  return new RegExp(`^#\\s*${name}=(.*)$`, "m").exec(envExample)?.[1]?.trim();
}

const WEBHOOK_PUBLISH = "${WEBHOOK_BIND:-127.0.0.1}:${WEBHOOK_HOST_PORT:-3002}:3002";

describe("docker-compose.yml", () => {
  it("runs redis, poller, worker, prometheus and grafana, with the sandbox behind a profile", () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(["redis", "poller", "worker", "prometheus", "grafana", "sandbox"]));
    expect(services.sandbox?.profiles).toEqual(["sandbox"]);
    for (const name of ["redis", "poller", "worker", "prometheus", "grafana"]) expect(services[name]?.profiles, name).toBeUndefined();
  });

  it("builds poller, worker and sandbox from the Dockerfile targets of the same name", () => {
    for (const name of ["poller", "worker", "sandbox"]) {
      expect(services[name]?.build, name).toMatchObject({ context: ".", target: name });
    }
  });

  it("pulls the published poller and worker images when .env names a registry, and otherwise builds them", () => {
    for (const name of ["poller", "worker"]) {
      expect(services[name]?.image, name).toBe(`\${AGENT_RUNNER_IMAGE_REGISTRY:-localhost}/agent-runner-${name}:\${AGENT_RUNNER_VERSION:-local}`);
    }
    // The default must never resolve to someone else's image on a public registry: `localhost` serves none,
    // so compose falls back to `build:`.
    for (const [name, service] of Object.entries(services).filter(([, service]) => service.build !== undefined)) {
      const image = (service.image ?? "").replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1");
      expect(image, name).toMatch(/^localhost\//);
    }
  });

  it("lets the worker scale: no container_name and no published host port", () => {
    const worker = services.worker!;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.network_mode).toBeUndefined();
  });

  it("gives the worker a stop_grace_period longer than a task may run, so running jobs finish on shutdown", () => {
    const taskTimeout = Number(documentedDefault("TASK_TIMEOUT_SECONDS"));
    expect(taskTimeout).toBeGreaterThan(0);
    // A task may run for TASK_TIMEOUT_SECONDS, then still has to push and open its pull request.
    expect(durationSeconds(services.worker?.stop_grace_period)).toBeGreaterThanOrEqual(taskTimeout + 60);
  });

  it("publishes the poller's ops port on the loopback interface only, on a host port .env may move", () => {
    expect(services.poller?.ports).toEqual(["127.0.0.1:${POLLER_HOST_PORT:-3000}:3000", WEBHOOK_PUBLISH]);
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        if (name === "poller" && port === WEBHOOK_PUBLISH) continue;
        expect(String(port), `${name} publishes ${String(port)}`).toMatch(/^127\.0\.0\.1:(\d+|\$\{[A-Z_]+_HOST_PORT:-\d+\}):\d+$/);
      }
    }
  });

  it("publishes the webhook receiver's port apart from the ops port, on the loopback interface unless .env says otherwise", () => {
    expect(services.poller?.ports).toContain(WEBHOOK_PUBLISH);
    // The port .env.example documents for WEBHOOK_PORT is the one published inside the container.
    expect(readFileSync(repoPath(".env.example"), "utf8")).toMatch(/^# WEBHOOK_PORT=3002$/m);
  });

  it("runs the worker with what its bubblewrap sandbox needs inside a container, and only the worker", () => {
    expect(services.worker?.security_opt).toEqual(WORKER_SECURITY_OPT);
    for (const [name, service] of Object.entries(services)) {
      if (name !== "worker") expect(service.security_opt, name).toBeUndefined();
      expect(service.privileged, name).toBeUndefined();
      expect(service.cap_add, name).toBeUndefined();
    }
  });

  it("keeps redis durable: appendonly yes, appendfsync everysec, maxmemory-policy noeviction, a named volume", () => {
    const command = services.redis?.command;
    const words = Array.isArray(command) ? command.map(String) : String(command ?? "").split(/\s+/);
    const flag = (name: string) => words[words.indexOf(`--${name}`) + 1];
    expect(services.redis?.image).toMatch(/^redis:7(\.|-|$)/);
    expect(words[0]).toBe("redis-server");
    expect(flag("appendonly")).toBe("yes");
    expect(flag("appendfsync")).toBe("everysec");
    expect(flag("maxmemory-policy")).toBe("noeviction");
    const dataVolume = services.redis?.volumes?.find((volume) => volume.endsWith(":/data"));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataVolume!.split(":")[0]);
  });

  it("makes every Redis client authenticate with REDIS_PASSWORD from .env, which the poller and workers read from it too", () => {
    const command = services.redis?.command;
    const words = Array.isArray(command) ? command.map(String) : String(command ?? "").split(/\s+/);
    // Required: compose refuses to start without it rather than run an open Redis.
    expect(words[words.indexOf("--requirepass") + 1]).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    expect(environmentOf(services.redis).REDISCLI_AUTH).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    for (const name of ["poller", "worker"]) {
      expect([services[name]?.env_file].flat(), name).toContain(".env");
      expect(environmentOf(services[name]).REDIS_PASSWORD, `${name} reads REDIS_PASSWORD from .env, not from here`).toBeUndefined();
    }
  });

  it("runs poller and worker on a read-only root with /tmp on tmpfs, and the worker's WORKSPACE_DIR on a volume", () => {
    for (const name of ["poller", "worker"]) {
      expect(services[name]?.read_only, name).toBe(true);
      expect(services[name]?.tmpfs, name).toEqual(["/tmp"]);
    }
    const workspace = environmentOf(services.worker).WORKSPACE_DIR;
    expect(workspace).toBe("/work");
    // An anonymous volume: each replica gets its own, as each pod gets its own emptyDir.
    expect(services.worker?.volumes).toContain(workspace);
  });

  it("health-checks redis with redis-cli and poller and worker with node, both present in their images", () => {
    const redisCheck = healthcheckCommand(services.redis);
    expect(redisCheck[0]).toMatch(/^CMD(-SHELL)?$/);
    expect(redisCheck.slice(1).join(" ")).toMatch(/^redis-cli\b.*\bping\b/);
    for (const [name, port] of [["poller", "3000"], ["worker", "3001"]] as const) {
      const check = healthcheckCommand(services[name]);
      // Exec form: no shell needed, and node is the HTTP client the slim image has (no curl/wget).
      expect(check.slice(0, 3), name).toEqual(["CMD", "node", "-e"]);
      expect(check[3], name).toContain("/healthz");
      expect(check[3], name).toContain(`process.env.PORT||${port}`);
      expect(check.join(" "), name).not.toMatch(/\b(curl|wget)\b/);
    }
  });

  it("starts poller and worker only once redis is healthy", () => {
    for (const name of ["poller", "worker"]) {
      expect(services[name]?.depends_on, name).toMatchObject({ redis: { condition: "service_healthy" } });
    }
  });

  it("hands poller and worker their settings and secrets through env_file .env", () => {
    for (const name of ["poller", "worker"]) {
      const envFile = services[name]?.env_file;
      expect([envFile].flat(), name).toContain(".env");
      expect(environmentOf(services[name]).REDIS_URL, name).toMatch(/redis:\/\/redis:6379/);
    }
    expect(environmentOf(services.poller).PORT).toBe("3000");
    expect(environmentOf(services.worker).PORT).toBe("3001");
    expect(environmentOf(services.worker).WORKSPACE_DIR).toBe("/work");
  });

  it("writes no secret value inline: tokens and passwords only come from .env or ${VAR} interpolation", () => {
    expect(composeText).not.toMatch(/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{10,}|github_pat_/);
    for (const [name, service] of Object.entries(services)) {
      const environment = environmentOf(service);
      expect(Object.keys(environment), `${name} must take GITHUB_TOKEN from .env`).not.toContain("GITHUB_TOKEN");
      for (const [key, value] of Object.entries(environment)) {
        if (!/TOKEN|PASSWORD|SECRET|PRIVATE_KEY|API_KEY/i.test(key)) continue;
        expect(value, `${name}: ${key} must be a \${VAR} reference, not a literal`).toMatch(/^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$/);
      }
    }
    // ...and the default of an interpolation is never a password either.
    expect(composeText).not.toMatch(/\$\{\w*(PASSWORD|TOKEN|SECRET)\w*:?-[^}]+\}/);
  });

  it("uses, in the sandbox override, only the token of the local fake GitHub", () => {
    const sandboxToken = environmentOf(sandboxOverride.services.sandbox).SANDBOX_OWNER_TOKEN;
    expect(sandboxToken).toMatch(/^sandbox-/);
    for (const [name, service] of Object.entries(sandboxOverride.services)) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (/TOKEN|PASSWORD|SECRET/i.test(key)) expect(value, `${name}: ${key}`).toBe(sandboxToken);
      }
    }
    expect(environmentOf(sandboxOverride.services.poller).GITHUB_TOKEN).toBe(sandboxToken);
    expect(environmentOf(sandboxOverride.services.worker).GITHUB_TOKEN).toBe(sandboxToken);
  });

  it("mounts Prometheus and Grafana configuration that exists under deploy/", () => {
    const binds = [...(services.prometheus?.volumes ?? []), ...(services.grafana?.volumes ?? [])].filter((volume) => volume.startsWith("./"));
    expect(binds.length).toBeGreaterThanOrEqual(3);
    for (const bind of binds) expect(existsSync(repoPath(bind.split(":")[0]!)), bind).toBe(true);
    expect(services.prometheus?.volumes).toContain("./deploy/prometheus:/etc/prometheus:ro");
  });

  it("runs the sandbox CLI seeded and listening on all interfaces, and the override points both services at it", () => {
    const command = services.sandbox?.command as string[];
    expect(command.slice(0, 2)).toEqual(["node", "dist/cli.js"]);
    expect(command).toContain("--seed");
    expect(command.join(" ")).toContain("--host 0.0.0.0");
    const port = command[command.indexOf("--port") + 1];
    expect(port).toMatch(/^\d+$/);
    for (const name of ["poller", "worker"]) {
      const override = sandboxOverride.services[name];
      expect(environmentOf(override).GITHUB_API_URL, name).toBe(`http://sandbox:${port}/api/v3`);
      expect(environmentOf(override).DISPATCH_REPO, name).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(override?.depends_on, name).toMatchObject({ sandbox: { condition: "service_healthy" } });
    }
  });

  describe("with docker compose", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "agent-runner-compose-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** `docker-compose` (v1, Debian's package) or the `docker compose` plugin (v2). */
    function composeCommand(): [string, string[]] | undefined {
      if (runs("docker-compose", ["version"])) return ["docker-compose", []];
      if (runs("docker", ["compose", "version"])) return ["docker", ["compose"]];
      return undefined;
    }

    it("accepts docker-compose.yml and the sandbox override (docker compose config)", () => {
      const found = composeCommand();
      if (found === undefined) {
        expect.fail("neither `docker-compose` nor `docker compose` is installed: apt-get install -y docker-compose (CI installs it)");
      }
      // A scratch copy with a filled-in .env (env_file and ${VAR:?} need one); bind-mount
      // sources and the build context are not checked by `config`.
      copyFileSync(repoPath("docker-compose.yml"), path.join(dir, "docker-compose.yml"));
      mkdirSync(path.join(dir, "deploy"), { recursive: true });
      copyFileSync(repoPath("deploy/compose.sandbox.yml"), path.join(dir, "deploy/compose.sandbox.yml"));
      const env = readFileSync(repoPath(".env.example"), "utf8")
        .replace(/^GITHUB_TOKEN=$/m, "GITHUB_TOKEN=test-token")
        .replace(/^DISPATCH_REPO=$/m, "DISPATCH_REPO=octo/dispatch")
        .replace(/^REDIS_PASSWORD=$/m, "REDIS_PASSWORD=test-redis-password")
        .replace(/^GRAFANA_ADMIN_PASSWORD=$/m, "GRAFANA_ADMIN_PASSWORD=test-password");
      writeFileSync(path.join(dir, ".env"), env);

      const [command, prefix] = found;
      for (const args of [
        [...prefix, "-f", "docker-compose.yml", "config", "-q"],
        [...prefix, "-f", "docker-compose.yml", "-f", "deploy/compose.sandbox.yml", "--profile", "sandbox", "config", "-q"],
      ]) {
        const result = run(command, args, dir);
        expect(result.status, describeRun(command, args, result)).toBe(0);
      }
    });
  });
});
