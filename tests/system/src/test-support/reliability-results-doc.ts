import { writeFile } from "node:fs/promises";
import os from "node:os";
import { repoPath } from "@agent-runner/test-kit";

export const RESULTS_DOC = repoPath("docs/reliability-results.md");

export interface BoundaryKillResult {
  readonly boundary: string;
  readonly taskId: string;
  /** Job state read right after the SIGKILL: `active` proves the kill interrupted the task. */
  readonly stateAtKill: string;
  readonly recoveryMs: number | undefined;
  readonly branches: number;
  readonly pulls: number;
  readonly doneComments: number;
  readonly processed: boolean;
}

export interface RandomKillResult {
  readonly tasks: number;
  readonly kills: number;
  readonly boundaryKills: number;
  readonly delayKills: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly recoveryP50Ms: number | undefined;
  readonly recoveryMaxMs: number | undefined;
  readonly interruptedJobs: number;
  readonly durationSeconds: number;
}

export interface CrashRunSettings {
  readonly jobLockSeconds: number;
  readonly stalledCheckSeconds: number;
  readonly workers: number;
  readonly concurrency: number;
}

/** The chaos run's figures as markdown, overwritten on every run so the README can cite them. */
export async function writeReliabilityResults(input: {
  settings: CrashRunSettings;
  boundaries: readonly BoundaryKillResult[];
  random: RandomKillResult | undefined;
}): Promise<void> {
  const ms = (v: number | undefined): string => (v === undefined ? "n/a" : `${(v / 1000).toFixed(1)} s`);
  const r = input.random;
  const lines = [
    "# Reliability results",
    "",
    "Written by `tests/system/src/chaos/worker-crashes.chaos.test.ts` (`pnpm test:chaos`); do not edit by hand.",
    "",
    `Run: ${new Date().toISOString()} on ${os.cpus().length} CPU(s), Node ${process.version}. ` +
      `Real worker and poller processes against the GitHub sandbox and Redis; workers killed with SIGKILL. ` +
      `JOB_LOCK_SECONDS=${input.settings.jobLockSeconds}, STALLED_CHECK_SECONDS=${input.settings.stalledCheckSeconds}.`,
    "",
    "## Kill at each step boundary",
    "",
    "| killed after | state at kill | taken up again after | branches | PRs | done comments | processed |",
    "|---|---|---|---|---|---|---|",
    ...input.boundaries.map(
      (b) =>
        `| ${b.boundary} | ${b.stateAtKill} | ${ms(b.recoveryMs)} | ${b.branches} | ${b.pulls} | ${b.doneComments} | ${b.processed ? "yes" : "no"} |`,
    ),
    "",
    "## Random kills",
    "",
    r === undefined
      ? "Not run."
      : [
          `${input.settings.workers} worker processes × concurrency ${input.settings.concurrency}, each kill at a random step boundary or after a random delay.`,
          "",
          "```",
          `tasks=${r.tasks} kills=${r.kills} duplicates=${r.duplicates} lost=${r.lost}`,
          `boundary kills=${r.boundaryKills} delay kills=${r.delayKills} interrupted jobs=${r.interruptedJobs}`,
          `recovery (kill → job taken up again) p50=${ms(r.recoveryP50Ms)} max=${ms(r.recoveryMaxMs)}`,
          `duration=${r.durationSeconds.toFixed(0)} s`,
          "```",
        ].join("\n"),
    "",
    "Recovery is bounded by JOB_LOCK_SECONDS (the dead worker's lock must lapse) plus up to STALLED_CHECK_SECONDS.",
    "",
  ];
  await writeFile(RESULTS_DOC, lines.join("\n"));
}
