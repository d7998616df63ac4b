import { mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TaskTimeoutError } from "@agent-runner/core";
import { afterEach, describe, expect, it } from "vitest";
import type { SandboxRunRequest } from "./agent-sandbox.js";
import { UnsandboxedRunner } from "./unsandboxed-runner.js";

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function request(script: string, overrides: Partial<SandboxRunRequest> = {}): Promise<{ tree: string; request: SandboxRunRequest; output: Buffer[] }> {
  const tree = await realpath(await mkdtemp(path.join(os.tmpdir(), "agent-unsandboxed-")));
  made.push(tree);
  const output: Buffer[] = [];
  return {
    tree,
    output,
    request: {
      argv: ["/bin/sh", "-c", script],
      treeDir: tree,
      env: { PATH: "/usr/bin:/bin", ONLY: "this" },
      readOnlyFiles: [],
      network: false,
      timeoutMs: 10_000,
      signal: new AbortController().signal,
      killGraceMs: 200,
      onOutput: (chunk) => output.push(chunk),
      ...overrides,
    },
  };
}

describe("UnsandboxedRunner", () => {
  it("runs the command in the tree with exactly the request's environment", async () => {
    const { tree, request: run, output } = await request('pwd; echo "$ONLY"; env | wc -l; echo written > file.txt');

    expect(await new UnsandboxedRunner().run(run)).toEqual({ code: 0, signal: null });
    // sh adds PWD (and may add SHLVL and _) of its own.
    expect(Buffer.concat(output).toString()).toMatch(new RegExp(`^${tree}\\nthis\\n[2-5]\\n$`));
    expect(await readFile(path.join(tree, "file.txt"), "utf8")).toBe("written\n");
  });

  it("rejects with a TaskTimeoutError on timeout, like the sandbox", async () => {
    const { request: run } = await request("sleep 30", { timeoutMs: 300 });

    await expect(new UnsandboxedRunner().run(run)).rejects.toBeInstanceOf(TaskTimeoutError);
  });

  it("needs no probe", async () => {
    await expect(new UnsandboxedRunner().probe()).resolves.toBeUndefined();
  });
});
