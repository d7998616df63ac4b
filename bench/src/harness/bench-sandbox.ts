import { randomUUID } from "node:crypto";
import { startSandbox, type Sandbox } from "@agent-runner/github-sandbox";
import { formatA } from "@agent-runner/test-kit";
import type { CleanupStack } from "./cleanup-stack.js";

export const ORG = "acme";
export const DISPATCH_LABEL = "copilot-agent";
export const PROCESSED_LABEL = "processed";

/**
 * A sandbox in this process. The primary limit is lifted so that five
 * thousand calls an hour never shapes a throughput figure; the calls are
 * counted from the request log instead.
 */
export async function startBenchSandbox(cleanup: CleanupStack, latencyMs: number): Promise<Sandbox> {
  const sandbox = await startSandbox({ latencyMs, rateLimit: { limit: 10_000_000 } });
  cleanup.defer("close the sandbox", () => sandbox.close());
  return sandbox;
}

/** Creates the dispatch repository and `count` small target repositories; returns their names. */
export async function createRepos(sandbox: Sandbox, dispatch: string, targetCount: number): Promise<string[]> {
  await sandbox.admin.createRepo({ owner: ORG, name: dispatch });
  const targets: string[] = [];
  for (let i = 0; i < targetCount; i++) {
    const name = `${dispatch}-target-${i}`;
    await sandbox.admin.createRepo({
      owner: ORG,
      name,
      files: { "README.md": `# ${name}\n`, "src/index.ts": "export const answer = 42;\n", "package.json": '{ "name": "t" }\n' },
    });
    targets.push(name);
  }
  return targets;
}

export interface TaskIssue {
  readonly number: number;
  readonly taskId: string;
  /** Date.now() just before the issue was created. */
  readonly createdAt: number;
}

/**
 * Opens one labelled dispatch issue for a new task. Task ids are UUIDs, so
 * their 8-character branch prefixes do not collide (a collision would cost
 * extra look-ups that are not part of the normal path).
 */
export function createTaskIssue(sandbox: Sandbox, dispatch: string, target: string): TaskIssue {
  const taskId = randomUUID();
  const createdAt = Date.now();
  const issue = sandbox.admin.createIssue(ORG, dispatch, {
    title: `Bench task ${taskId.slice(0, 8)}`,
    body: formatA(taskId, `${ORG}/${target}`, "Record this benchmark task."),
    labels: [DISPATCH_LABEL],
  });
  return { number: issue.number, taskId, createdAt };
}

/** `count` issues at once, spread round-robin over the target repositories. */
export function createTaskIssues(sandbox: Sandbox, dispatch: string, targets: readonly string[], count: number): TaskIssue[] {
  if (targets.length === 0) throw new Error("no target repositories");
  return Array.from({ length: count }, (_, i) => createTaskIssue(sandbox, dispatch, targets[i % targets.length] as string));
}

export function processedCount(sandbox: Sandbox, dispatch: string): number {
  return sandbox.admin.listIssues(ORG, dispatch).filter((i) => i.labels.some((l) => l.name === PROCESSED_LABEL)).length;
}
