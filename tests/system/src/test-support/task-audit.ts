import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Sandbox } from "@agent-runner/github-sandbox";
import { doneMarker, failedMarker, taskIdInBody } from "@agent-runner/core";
import { taskIdTrailer } from "@agent-runner/worker";

const run = promisify(execFile);

export interface AuditedRepos {
  readonly owner: string;
  readonly dispatch: string;
  readonly target: string;
  readonly defaultBranch?: string;
}

export interface DispatchedTask {
  readonly taskId: string;
  readonly issueNumber: number;
}

/** What GitHub holds for one task: the promise is one of each, and the label. */
export interface TaskAudit extends DispatchedTask {
  /** `agent-task-*` branches whose commits carry this task's Task-Id trailer. */
  readonly branches: readonly string[];
  readonly pulls: number;
  readonly doneComments: number;
  readonly failedComments: number;
  readonly processed: boolean;
}

/** Reads the sandbox's state for every task (one bare clone of the target for the branches). */
export async function auditTasks(
  sandbox: Sandbox,
  repos: AuditedRepos,
  tasks: readonly DispatchedTask[],
): Promise<TaskAudit[]> {
  const branchTasks = await agentBranchTaskIds(sandbox, repos);
  const pulls = sandbox.admin.listPulls(repos.owner, repos.target);
  return tasks.map((task) => {
    const comments = sandbox.admin.listComments(repos.owner, repos.dispatch, task.issueNumber);
    const issue = sandbox.admin.getIssue(repos.owner, repos.dispatch, task.issueNumber);
    return {
      ...task,
      branches: [...branchTasks].filter(([, ids]) => ids.has(task.taskId)).map(([branch]) => branch),
      pulls: pulls.filter((p) => taskIdInBody(p.body) === task.taskId).length,
      doneComments: comments.filter((c) => c.body.includes(doneMarker(task.taskId))).length,
      failedComments: comments.filter((c) => c.body.includes(failedMarker(task.taskId))).length,
      processed: issue?.labels.some((l) => l.name === "processed") ?? false,
    };
  });
}

/** Extra branches, PRs and done comments beyond one per task. */
export function duplicatesIn(audits: readonly TaskAudit[]): number {
  const extra = (n: number): number => Math.max(0, n - 1);
  return audits.reduce((sum, a) => sum + extra(a.branches.length) + extra(a.pulls) + extra(a.doneComments), 0);
}

/** Tasks missing any part of their outcome. */
export function lostIn(audits: readonly TaskAudit[]): number {
  return audits.filter((a) => a.branches.length === 0 || a.pulls === 0 || a.doneComments === 0 || !a.processed).length;
}

/** Branch → Task-Id trailers of its commits ahead of the default branch, for every `agent-task-*` branch. */
export async function agentBranchTaskIds(sandbox: Sandbox, repos: AuditedRepos): Promise<Map<string, Set<string>>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ar-audit-"));
  try {
    const url = new URL(`${sandbox.gitUrl}/${repos.owner}/${repos.target}.git`);
    url.username = "x-access-token";
    url.password = sandbox.tokens.owner;
    await run("git", ["clone", "-q", "--bare", url.toString(), dir]);
    const { stdout } = await run("git", ["-C", dir, "for-each-ref", "--format=%(refname:short)", "refs/heads/agent-task-*"]);
    const out = new Map<string, Set<string>>();
    for (const branch of stdout.split("\n").filter((b) => b !== "")) {
      const log = await run("git", ["-C", dir, "log", "--format=%B%x00", `${repos.defaultBranch ?? "main"}..${branch}`]);
      const ids = log.stdout
        .split("\0")
        .map((message) => taskIdTrailer(message))
        .filter((id): id is string => id !== undefined);
      out.set(branch, new Set(ids));
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
