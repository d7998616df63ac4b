import { chmod, chown, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@agent-runner/core";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { LogCapture, REDIS_URL, uniquePrefix } from "@agent-runner/test-kit";
import { startWorkerService, workerConfigSchema } from "@agent-runner/worker";
import { startPipeline, type Pipeline } from "../test-support/pipeline.js";

async function mode(dir: string): Promise<string> {
  return ((await stat(dir)).mode & 0o777).toString(8);
}

/**
 * WORKSPACE_DIR holds every task's tree and the mirrors. The worker itself,
 * built as main.ts builds it, makes it private to its user at start or refuses
 * one that belongs to someone else (the default lives in the shared temp dir).
 */
describe("the worker's WORKSPACE_DIR", () => {
  let sandbox: Sandbox;
  let pipeline: Pipeline | undefined;
  const made: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await pipeline?.close();
    pipeline = undefined;
    for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function tempRoot(): Promise<string> {
    const parent = await mkdtemp(path.join(os.tmpdir(), "ar-workspace-root-"));
    made.push(parent);
    return path.join(parent, "work");
  }

  it("is tightened from 0755 to 0700 when the worker starts", async () => {
    const root = await tempRoot();
    await mkdir(root, { recursive: true });
    await chmod(root, 0o755);
    // The attack surface is real: before the start, anyone on the host may list the trees.
    expect(await mode(root)).toBe("755");

    pipeline = await startPipeline({ sandbox, env: { WORKSPACE_DIR: root }, poller: false });

    expect(await mode(root)).toBe("700");
    expect(await mode(path.join(root, "mirrors"))).toBe("700");
  });

  it("is refused with an error naming the directory and its owner when another user owns it", async () => {
    // As root, hand the directory to "nobody"; as anyone else, "/" already belongs to root.
    let root = "/";
    if (process.getuid?.() === 0) {
      root = await tempRoot();
      await mkdir(root, { mode: 0o755 });
      await chown(root, 65534, 65534);
    }
    const owner = (await stat(root)).uid;
    const before = await mode(root);
    expect(owner).not.toBe(process.getuid?.());
    const config = loadConfig(workerConfigSchema, {
      GITHUB_TOKEN: sandbox.tokens.owner,
      GITHUB_API_URL: sandbox.apiUrl,
      DISPATCH_REPO: "acme/dispatch",
      REDIS_URL,
      QUEUE_PREFIX: uniquePrefix("test"),
      WORKSPACE_DIR: root,
      PORT: "0",
    });

    const start = startWorkerService(config, new LogCapture().logger("worker", [sandbox.tokens.owner]));

    await expect(start).rejects.toThrow(`${root} belongs to uid ${owner}, not to the worker's user`);
    // Left as it was: the worker neither took it over nor changed its mode.
    expect((await stat(root)).uid).toBe(owner);
    expect(await mode(root)).toBe(before);
  });
});
