import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix, REDIS_URL, repoPath, uniquePrefix, waitFor } from "@agent-runner/test-kit";

/** The demo's own bound on its run is 180 s; past this the test stops it and everything it started. */
const RUN_LIMIT_MS = 200_000;

interface DemoRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Whether any process of the process group `pgid` is still there (signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/**
 * `pnpm demo` without its setup step: the built demo, as its own process
 * group, so whatever it starts (the poller, two workers, git) can be found
 * afterwards, and stopped if the demo overran.
 */
describe("the demo", () => {
  const prefix = uniquePrefix("demo");
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let pgid: number | undefined;

  afterAll(async () => {
    if (pgid !== undefined && groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  function runDemo(): Promise<DemoRun> {
    const entry = repoPath("scripts/dist/demo.js");
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`pnpm build\` first`);
    const keep = ["PATH", "HOME", "TMPDIR", "LANG"].flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]]));
    const env = { ...Object.fromEntries(keep), REDIS_URL, DEMO_QUEUE_PREFIX: prefix, LOG_LEVEL: "warn" };
    const child = spawn(process.execPath, [entry], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    pgid = child.pid;
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const overrun = setTimeout(() => {
      if (pgid !== undefined) process.kill(-pgid, "SIGKILL");
    }, RUN_LIMIT_MS);
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => {
        clearTimeout(overrun);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  it("prints one pull request URL per dispatch task, exits 0 and leaves no process or Redis key behind", async () => {
    const run = await runDemo();
    const lines = run.stdout.split("\n");
    expect(run.code, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`).toBe(0);

    // The demo says how many issues it filed: all but the broken one are tasks.
    const filed = /has (\d+) issues labelled copilot-agent \(one of them is broken on purpose\)/.exec(run.stdout);
    const tasks = Number(filed?.[1]) - 1;
    expect(tasks).toBeGreaterThan(0);
    const opened = lines.flatMap((l) => /^demo: PR #\d+ opened: .*\s(http\S+\/pull\/\d+)$/.exec(l)?.[1] ?? []);
    expect(opened).toHaveLength(tasks);
    expect(new Set(opened).size).toBe(tasks);
    // Each task's issue names its own one of them.
    const announced = lines.flatMap((l) => /^demo: Issue #\d+: .*pull request opened (http\S+)$/.exec(l)?.[1] ?? []);
    expect([...announced].sort()).toEqual([...opened].sort());
    expect(run.stdout).toContain(`Done: ${tasks} tasks, ${tasks} PRs`);

    // Its services ran under the test's prefix, and went with it.
    expect(run.stdout).toContain(`queue prefix ${prefix}`);
    await waitFor(() => pgid !== undefined && !groupAlive(pgid), 10_000, "the demo's processes to be gone");
    expect(await deleteKeysWithPrefix(redis, prefix)).toBe(0);
  }, RUN_LIMIT_MS + 30_000);
});
