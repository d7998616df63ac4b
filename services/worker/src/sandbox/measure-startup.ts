import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { AgentSandbox, SandboxRunRequest } from "./agent-sandbox.js";
import { UnsandboxedRunner } from "./unsandboxed-runner.js";

export interface SandboxStartupCost {
  readonly runs: number;
  readonly sandboxedMedianMs: number;
  readonly unsandboxedMedianMs: number;
  /** What the sandbox adds to starting a command: the difference of the two medians. */
  readonly overheadMs: number;
}

/**
 * What starting a command inside `sandbox` costs over starting it plainly:
 * `/bin/true` run `runs` times each way, alternating so both see the same
 * machine load, after one warm-up run each (page cache, the host layout).
 */
export async function measureSandboxStartup(sandbox: AgentSandbox, runs = 30): Promise<SandboxStartupCost> {
  const tree = await mkdtemp(path.join(os.tmpdir(), "agent-sandbox-startup-"));
  const baseline = new UnsandboxedRunner();
  try {
    await timeTrue(sandbox, tree);
    await timeTrue(baseline, tree);
    const sandboxed: number[] = [];
    const unsandboxed: number[] = [];
    for (let run = 0; run < runs; run++) {
      sandboxed.push(await timeTrue(sandbox, tree));
      unsandboxed.push(await timeTrue(baseline, tree));
    }
    const sandboxedMedianMs = median(sandboxed);
    const unsandboxedMedianMs = median(unsandboxed);
    return { runs, sandboxedMedianMs, unsandboxedMedianMs, overheadMs: sandboxedMedianMs - unsandboxedMedianMs };
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

async function timeTrue(sandbox: AgentSandbox, tree: string): Promise<number> {
  const request: SandboxRunRequest = {
    argv: ["/bin/true"],
    treeDir: tree,
    env: { PATH: "/usr/bin:/bin" },
    readOnlyFiles: [],
    network: false,
    timeoutMs: 10_000,
    signal: new AbortController().signal,
    killGraceMs: 0,
    onOutput: () => undefined,
  };
  const start = performance.now();
  const exit = await sandbox.run(request);
  const elapsed = performance.now() - start;
  if (exit.code !== 0) throw new Error(`/bin/true under ${sandbox.name} exited with ${exit.code ?? exit.signal}`);
  return elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}
