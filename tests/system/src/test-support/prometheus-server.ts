import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort, requireBinary, waitFor } from "@agent-runner/test-kit";

export interface PromTarget {
  readonly labels: Record<string, string>;
  readonly scrapeUrl: string;
  readonly health: "up" | "down" | "unknown";
  readonly lastError: string;
}

export interface PromVectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface PromRuleGroup {
  readonly name: string;
  readonly rules: ReadonlyArray<{ name: string; health: string; lastError?: string; type: string }>;
}

/** A real Prometheus server (Debian's package) on 127.0.0.1, read through its HTTP API. */
export interface PrometheusServer {
  readonly url: string;
  activeTargets(): Promise<PromTarget[]>;
  query(expr: string): Promise<PromVectorSample[]>;
  ruleGroups(): Promise<PromRuleGroup[]>;
  /** Everything Prometheus wrote to stderr, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

export async function startPrometheus(configYaml: string): Promise<PrometheusServer> {
  const binary = requireBinary("/usr/bin/prometheus", "prometheus");
  const dir = await mkdtemp(path.join(os.tmpdir(), "ar-prometheus-"));
  const configFile = path.join(dir, "prometheus.yml");
  await writeFile(configFile, configYaml);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  async function close(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  }

  async function api<T>(pathAndQuery: string): Promise<T> {
    const response = await fetch(`${url}${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${pathAndQuery}: ${body.error ?? response.status}`);
    return body.data;
  }

  try {
    await waitUntilReady(url, () => child.exitCode !== null, () => stderr);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url,
    activeTargets: async () => (await api<{ activeTargets: PromTarget[] }>("/api/v1/targets?state=active")).activeTargets,
    query: async (expr) => (await api<{ result: PromVectorSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    ruleGroups: async () => (await api<{ groups: PromRuleGroup[] }>("/api/v1/rules")).groups,
    output: () => stderr,
    close,
  };
}

async function waitUntilReady(url: string, exited: () => boolean, output: () => string): Promise<void> {
  try {
    await waitFor(
      () => fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok),
      60_000,
      `prometheus at ${url} to be ready`,
      {
        intervalMs: 200,
        abortIf: () => {
          if (exited()) throw new Error(`prometheus exited during start-up:\n${output()}`);
        },
      },
    );
  } catch (error) {
    // An early exit has named Prometheus's output already; a timeout names it here.
    if (exited()) throw error;
    throw new Error(`${error instanceof Error ? error.message : String(error)}:\n${output()}`, { cause: error });
  }
}
