import type { CancellationLedger, GitHubClient, GitWorkspaceFactory, PushLedger, TrustPolicy } from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { TaskHandler } from "../change/task-handler.js";
import type { RepoInfoCache } from "../repo-info-cache.js";
import type { RunnerIdentity } from "@agent-runner/core";
import type { TaskMetricsSink } from "./step-observer.js";

export interface WorkerSettings {
  readonly processedLabel: string;
  readonly agentName: string;
  readonly agentEmail: string;
  readonly allowedTargetRepos: readonly string[];
  readonly workspaceDir: string;
  /** How often a running job reads its cancel flag. */
  readonly cancelCheckMs: number;
  /** A change step stopped by the timeout keeps what it wrote: pushed as a draft PR marked incomplete. */
  readonly keepWorkOnTimeout?: boolean;
  /** The poller's trust rule (TRUSTED_AUTHOR_ASSOCIATIONS, TRUSTED_AUTHORS), checked again on each attempt's fresh read of the issue. */
  readonly trust: TrustPolicy;
}

export type JobOutcome = "completed" | "failed" | "retried" | "cancelled";

/** How a task's run ended for its user: the PR state it reached, or why it did not. */
export type TaskOutcomeLabel = "opened" | "updated" | "merged" | "closed" | "failed" | "cancelled";

export interface JobMetricsSink extends TaskMetricsSink {
  jobStarted(): void;
  jobFinished(outcome: JobOutcome, seconds: number): void;
  /** Once per run, when it ends for good (not on an attempt the queue retries). */
  taskOutcome(outcome: TaskOutcomeLabel): void;
  /** From the poller queueing the task to its PR being opened. */
  timeToPullRequest(seconds: number): void;
  /** A run after the first (an edit, a reopen, a retry) started. */
  rerunStarted(): void;
  /** From the dispatch issue being labelled (the job's labelledAt) to its PR being opened. */
  labelledToPull(seconds: number): void;
}

/** What every attempt of one worker process shares. */
export interface WorkerDeps {
  readonly github: GitHubClient;
  /** The login the token acts as, learned at start: what makes a PR, a comment or a push the runner's own. */
  readonly runner: RunnerIdentity;
  readonly pushes: PushLedger;
  /** The cancel flags the poller sets; read before every write. */
  readonly cancels: CancellationLedger;
  readonly git: GitWorkspaceFactory;
  readonly repos: RepoInfoCache;
  readonly handler: TaskHandler;
  readonly settings: WorkerSettings;
  readonly metrics: JobMetricsSink;
  readonly log: Logger;
}
