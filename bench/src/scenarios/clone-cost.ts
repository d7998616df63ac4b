import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Sandbox } from "@agent-runner/github-sandbox";
import type { Redis } from "ioredis";
import { createTaskIssue, ORG, startBenchSandbox } from "../harness/bench-sandbox.js";
import { CleanupStack } from "../harness/cleanup-stack.js";
import { Fleet } from "../harness/fleet.js";
import type { LogLine } from "@agent-runner/test-kit";
import { authedUrl, compareClones } from "../git/clone-timing.js";
import { generateRepo } from "../git/generate-repo.js";
import { git } from "../git/git-cli.js";
import type { Figure } from "../figure.js";
import { GITHUB_LATENCY_MS, type BenchContext, type ScenarioOutcome } from "../scenario.js";
import { median, round } from "../stats.js";

const GIT_STEPS = ["clone", "change", "push"] as const;
type GitStep = (typeof GIT_STEPS)[number];

interface TaskGit {
  readonly firstAt: number;
  readonly seconds: Partial<Record<GitStep, number>>;
}

interface GitPhases {
  readonly first: TaskGit;
  readonly later: TaskGit[];
  readonly firstSeconds: number;
  readonly laterSeconds: number;
}

/** A RAM-backed directory, to tell the git work from the disk's cost of writing and deleting trees. */
const TMPFS = "/dev/shm";

/**
 * A realistic repository (thousands of commits and files, tens of MB): the git
 * phase of the first task (the worker builds its mirror) against later tasks
 * (fetch into the mirror, local clone, checkout), and nodegit's fresh clone
 * against git's.
 */
export async function cloneCost(ctx: BenchContext): Promise<ScenarioOutcome> {
  const size = ctx.sizes.cloneCost;
  const cleanup = new CleanupStack();
  try {
    const work = await mkdtemp(path.join(os.tmpdir(), "ar-bench-clone-"));
    cleanup.defer(`remove ${work}`, () => rm(work, { recursive: true, force: true }));
    ctx.progress(`generating ${size.commits} commits × ${size.files} files`);
    const repo = await generateRepo(work, size);
    ctx.progress(`generated ${Math.round(repo.packBytes / 1e6)} MB pack in ${Math.round(repo.seconds)} s; pushing it to the sandbox`);
    const sandbox = await startBenchSandbox(cleanup, GITHUB_LATENCY_MS);
    const info = await sandbox.admin.createRepo({ owner: ORG, name: "big", files: {} });
    const token = sandbox.tokens.owner;
    await git(["push", "--quiet", authedUrl(info.clone_url, token), "main:main"], { cwd: repo.gitDir });
    await rm(repo.gitDir, { recursive: true, force: true });

    ctx.progress(`timing fresh clones (${size.cloneRounds} round(s) each)`);
    const clones = await compareClones(info.clone_url, token, work, size.cloneRounds);

    ctx.progress(`${size.tasks} tasks on it, one worker × 1, WORKSPACE_DIR on disk`);
    const disk = await workerGitPhases(sandbox, ctx.redis, "dispatch", size.tasks, undefined);
    let tmpfs: GitPhases | undefined;
    if (existsSync(TMPFS)) {
      ctx.progress(`and again with WORKSPACE_DIR on ${TMPFS}`);
      tmpfs = await workerGitPhases(sandbox, ctx.redis, "dispatch-tmpfs", size.tasks, TMPFS);
    }

    const gitClone = median(clones.git);
    const nodegitClone = median(clones.nodegit);
    const describeRepo = `${repo.commits.toLocaleString("en-US")} commits, ${repo.files.toLocaleString("en-US")} files, ${round(repo.packBytes / 1e6, 1)} MB packed`;
    const figures: Figure[] = [
      {
        id: "git-phase-first",
        label: "Git phase (clone + commit + push), first task on a repo",
        value: round(disk.firstSeconds, 2),
        unit: "s",
        baseline: "a fresh clone on every task",
        note: `Repo: ${describeRepo}. The first task builds the worker's bare mirror (clone step ${round(disk.first.seconds.clone ?? Number.NaN, 2)} s).`,
      },
      {
        id: "git-phase-later",
        label: "Git phase, later tasks on the same repo (median)",
        value: round(disk.laterSeconds, 2),
        unit: "s",
        note: `Mirror fetch, then a pooled working tree updated from the mirror and reset (only changed files rewritten); clone step median ${round(stepMedian(disk.later, "clone"), 2)} s over ${disk.later.length} tasks.`,
      },
      {
        id: "git-phase-speedup",
        label: "Later tasks' git phase, speed-up over the first",
        value: round(disk.firstSeconds / disk.laterSeconds, 1),
        unit: "×",
        target: { op: ">=", value: 5 },
      },
    ];
    if (tmpfs !== undefined) {
      figures.push({
        id: "git-phase-speedup-tmpfs",
        label: `Same, WORKSPACE_DIR on tmpfs (${TMPFS})`,
        value: round(tmpfs.firstSeconds / tmpfs.laterSeconds, 1),
        unit: "×",
        note: `First ${round(tmpfs.firstSeconds, 2)} s, later ${round(tmpfs.laterSeconds, 2)} s (clone step ${round(stepMedian(tmpfs.later, "clone"), 2)} s): the same git work without the disk's cost of deleting one job's tree and writing the next.`,
      });
    }
    figures.push({
      id: "nodegit-vs-git-clone",
      label: "Fresh clone: nodegit time ÷ git CLI time",
      value: round(nodegitClone / gitClone, 2),
      unit: "×",
      note: `nodegit ${round(nodegitClone, 2)} s, git clone ${round(gitClone, 2)} s (median of ${size.cloneRounds}, both with checkout, over the sandbox's smart HTTP).`,
    });
    return {
      figures,
      details: {
        repo: { commits: repo.commits, files: repo.files, packBytes: repo.packBytes, generateSeconds: repo.seconds },
        spec: size,
        clones,
        disk,
        tmpfs,
      },
    };
  } finally {
    await cleanup.run();
  }
}

function stepMedian(tasks: readonly TaskGit[], step: GitStep): number {
  return median(tasks.map((t) => t.seconds[step] ?? Number.NaN));
}

/** `tasks` tasks on the big repo through a fresh worker (its own, empty mirror cache), read from its step log lines. */
async function workerGitPhases(sandbox: Sandbox, redis: Redis, dispatch: string, tasks: number, workspaceRoot: string | undefined): Promise<GitPhases> {
  const cleanup = new CleanupStack();
  try {
    const seen = new Map<string, TaskGit>();
    const onWorkerLine = (_worker: number, line: LogLine): void => {
      const step = line["step"];
      const taskId = line["taskId"];
      if (line.msg !== "step finished" || typeof taskId !== "string" || !GIT_STEPS.includes(step as GitStep)) return;
      const entry = seen.get(taskId) ?? { firstAt: Number(line.time), seconds: {} };
      entry.seconds[step as GitStep] = Number(line["seconds"]);
      seen.set(taskId, entry);
    };
    await sandbox.admin.createRepo({ owner: ORG, name: dispatch });
    for (let i = 0; i < tasks; i++) createTaskIssue(sandbox, dispatch, "big");
    const fleet = await Fleet.start({
      scenario: "clone",
      sandbox,
      dispatch,
      workers: 1,
      concurrency: 1,
      pollIntervalSeconds: 2,
      logLevel: "info",
      onWorkerLine,
      redis,
      cleanup,
      ...(workspaceRoot === undefined ? {} : { workspaceRoot }),
    });
    await fleet.waitForProcessed(tasks, 900_000);
    const ordered = [...seen.values()].sort((a, b) => a.firstAt - b.firstAt);
    const [first, ...later] = ordered;
    if (first === undefined || later.length === 0) throw new Error(`step timings for ${ordered.length} task(s) only`);
    const phase = (t: TaskGit): number => GIT_STEPS.reduce((sum, s) => sum + (t.seconds[s] ?? Number.NaN), 0);
    return { first, later, firstSeconds: phase(first), laterSeconds: median(later.map(phase)) };
  } finally {
    await cleanup.run();
  }
}
