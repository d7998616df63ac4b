import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { deleteKeysWithPrefix, formatA, formatB, REDIS_URL, ServiceProcess, waitFor, type ServiceKind } from "@agent-runner/test-kit";
import { redisForDemo, type DemoRedis } from "./redis-for-demo.js";

const TIMEOUT_MS = 180_000;

/**
 * The whole system on one machine: a local GitHub seeded with a dispatch repo,
 * a target repo and dispatch issues in both formats (plus one broken issue),
 * Redis, the poller and two workers as real processes. Prints each PR as it
 * opens and stops by itself when every valid task is done, leaving no process
 * and no key behind. Its queue's keys are under DEMO_QUEUE_PREFIX (default: a
 * fresh one per run), so a test can tell the demo's keys from everyone else's.
 */
async function main(): Promise<void> {
  const redis = await redisForDemo(REDIS_URL);
  const queuePrefix = process.env["DEMO_QUEUE_PREFIX"] || `{agent-runner-demo-${randomBytes(3).toString("hex")}}`;
  say(`Redis: ${redis.url}${redis.started ? " (started for the demo)" : ""}, queue prefix ${queuePrefix}`);
  const sandbox = await startSandbox({ latencyMs: 20 });
  const workspace = await mkdtemp(path.join(os.tmpdir(), "agent-runner-demo-"));
  const children: ServiceProcess[] = [];
  try {
    const expected = await seed(sandbox);
    say(`Local GitHub API: ${sandbox.apiUrl}   git: ${sandbox.gitUrl}`);
    say(`Dispatch repo acme/dispatch has ${expected.length + 1} issues labelled copilot-agent (one of them is broken on purpose).`);
    const env = {
      ...inheritedEnv(),
      GITHUB_TOKEN: sandbox.tokens.owner,
      GITHUB_API_URL: sandbox.apiUrl,
      DISPATCH_REPO: "acme/dispatch",
      REDIS_URL: redis.url,
      QUEUE_PREFIX: queuePrefix,
      POLL_INTERVAL_SECONDS: "2",
      WORKSPACE_DIR: workspace,
      LOG_LEVEL: process.env["LOG_LEVEL"] ?? "warn",
    };
    children.push(start("poller", "poller", { ...env, PORT: "0" }));
    for (const n of [1, 2]) children.push(start("worker", `worker-${n}`, { ...env, PORT: "0", WORKER_CONCURRENCY: "2" }));
    await watch(sandbox, expected);
  } finally {
    await Promise.all(children.map((child) => child.stop(15_000)));
    await sandbox.close();
    await forgetQueue(redis, queuePrefix).catch((error: unknown) => say(`could not delete the keys under ${queuePrefix}: ${String(error)}`));
    await redis.stop();
    await rm(workspace, { recursive: true, force: true });
  }
}

async function seed(sandbox: Sandbox): Promise<number[]> {
  await sandbox.admin.createRepo({ owner: "acme", name: "dispatch" });
  await sandbox.admin.createRepo({ owner: "acme", name: "target", files: { "README.md": "# target\n" } });
  const issues = [
    { title: "Test agent task", body: formatA("test-task-12345678", "acme/target", "Create a simple test file to verify the agent runner is working.") },
    {
      title: "Add a greeting",
      body: formatB("8d3c2f4e-1b7a-4c1e-9f00-5a6b7c8d9e0f", "acme/target", "Add a friendly greeting to the project.", "demo-user"),
    },
    { title: "Shares a prefix with the first", body: formatA("test-task-99999999", "acme/target", "Another task.") },
  ];
  const numbers = issues.map((i) => sandbox.admin.createIssue("acme", "dispatch", { ...i, labels: ["copilot-agent"] }).number);
  sandbox.admin.createIssue("acme", "dispatch", { title: "Broken on purpose", body: "No metadata here.", labels: ["copilot-agent"] });
  return numbers;
}

async function watch(sandbox: Sandbox, expected: number[]): Promise<void> {
  const seen = new Set<number>();
  await waitFor(
    () => {
      for (const pull of sandbox.admin.listPulls("acme", "target")) {
        if (seen.has(pull.number)) continue;
        seen.add(pull.number);
        say(`PR #${pull.number} opened: ${pull.title}  (${pull.head.ref})  ${pull.html_url}`);
      }
      return expected.every((n) => sandbox.admin.getIssue("acme", "dispatch", n)?.labels.some((l) => l.name === "processed"));
    },
    TIMEOUT_MS,
    "every task to finish",
    { intervalMs: 500 },
  );
  for (const n of expected) {
    const comment = sandbox.admin.listComments("acme", "dispatch", n).at(-1);
    say(`Issue #${n}: ${comment?.body.split("\n").find((l) => l.trim() !== "" && !l.startsWith("<!--")) ?? "(no comment)"}`);
  }
  const broken = sandbox.admin.listIssues("acme", "dispatch").find((i) => i.title === "Broken on purpose");
  const answer = broken === undefined ? undefined : sandbox.admin.listComments("acme", "dispatch", broken.number)[0];
  if (answer !== undefined) say(`Broken issue #${broken?.number} was answered: ${answer.body.split("\n")[1] ?? ""}`);
  const calls = sandbox.admin.requestLog().filter((e) => e.rateLimited).length;
  say(`Done: ${expected.length} tasks, ${seen.size} PRs, ${calls} rate-limited API calls in total.`);
}

/** The queue's keys go with the demo: a shared Redis keeps nothing of it (SCAN and DEL under its prefix, never FLUSH). */
async function forgetQueue(redis: DemoRedis, prefix: string): Promise<void> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysWithPrefix(client, prefix);
  } finally {
    client.disconnect();
  }
}

/** A service process whose output is echoed, each line prefixed with its name. */
function start(kind: ServiceKind, name: string, env: Record<string, string>): ServiceProcess {
  return ServiceProcess.spawn({
    kind,
    name,
    env,
    keepLines: false,
    onText: (text, stream) => {
      if (text !== "") (stream === "stdout" ? process.stdout : process.stderr).write(`[${name}] ${text}\n`);
    },
  });
}

/** The demo passes its whole environment on (LOG_LEVEL, CHANGE_HANDLER and friends reach the services). */
function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function say(message: string): void {
  process.stdout.write(`demo: ${message}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
