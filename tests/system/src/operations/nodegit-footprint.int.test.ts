import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/**
 * Run in a fresh `node`: imports a service's built package (the modules its
 * dist/main.js runs), loads its configuration with the schema main hands to
 * runService, stops short of starting it (no connection is made), and reports
 * which of the process's mappings hold nodegit's native addon.
 */
const PROBE = `
const [servicePackage, corePackage, schemaName] = process.argv.slice(1);
const service = await import(servicePackage);
const { loadConfig } = await import(corePackage);
loadConfig(service[schemaName], process.env);
const { readFileSync } = await import("node:fs");
const maps = readFileSync("/proc/self/maps", "utf8").split("\\n");
process.stdout.write(JSON.stringify({ mappings: maps.length, nodegit: maps.filter((line) => line.includes("nodegit.node")) }));
`;

interface Probe {
  readonly mappings: number;
  readonly nodegit: readonly string[];
}

async function probe(service: "poller" | "worker", schemaName: string): Promise<Probe> {
  const entry = pathToFileURL(require.resolve(`@agent-runner/${service}`)).href;
  const core = pathToFileURL(require.resolve("@agent-runner/core")).href;
  const env = { PATH: process.env["PATH"] ?? "", GITHUB_TOKEN: "probe-token", DISPATCH_REPO: "acme/dispatch" };
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", PROBE, entry, core, schemaName], { env });
  return JSON.parse(stdout) as Probe;
}

describe("which service processes load nodegit (Linux: /proc/self/maps)", () => {
  it("the poller's process, its package imported and its config loaded as main does, maps no nodegit.node", async () => {
    const poller = await probe("poller", "pollerConfigSchema");
    expect(poller.mappings).toBeGreaterThan(100);
    expect(poller.nodegit).toEqual([]);
  });

  it("the worker's process, probed the same way, does map nodegit.node (so the check above can fail)", async () => {
    const worker = await probe("worker", "workerConfigSchema");
    expect(worker.nodegit.length).toBeGreaterThan(0);
    expect(worker.nodegit.every((line) => line.endsWith("/nodegit.node"))).toBe(true);
  });
});
