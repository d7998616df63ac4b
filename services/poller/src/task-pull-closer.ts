import { branchNameFor, candidatePrefixes, correlationComment, parseRepoRef, type GitHubClient, type PullRequest, type RepoRef, type TaskRuns } from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { RunnerIdentitySource } from "./runner-identity-source.js";

export interface TaskPullCloserDeps {
  readonly github: GitHubClient;
  readonly runs: TaskRuns;
  readonly runner: RunnerIdentitySource;
  readonly log: Logger;
}

/**
 * CLOSE_PR_ON_CANCEL: a cancelled task's open PR is closed (not merged, its
 * branch kept) with one comment saying why. Only a PR the runner opened for
 * this very task counts: its author is the runner's login and its body holds
 * the task's correlation comment; anyone else's PR from a look-alike branch is
 * left alone.
 */
export class TaskPullCloser {
  constructor(private readonly deps: TaskPullCloserDeps) {}

  /** Closes the task's open PR, if it has one; returns its number. A failure is logged, never thrown: the cancel itself stands. */
  async close(taskId: string): Promise<number | undefined> {
    const log = this.deps.log.child({ taskId });
    try {
      const stored = await this.deps.runs.target(taskId);
      const target = stored === undefined ? undefined : parseRepoRef(stored);
      if (target === undefined) return undefined;
      const pull = await this.openPullOf(taskId, target);
      if (pull === undefined) return undefined;
      await this.deps.github.closePull(target, pull.number);
      await this.deps.github.createIssueComment(target, pull.number, closedOnCancelComment(taskId));
      log.info({ pull: pull.number }, "closed the cancelled task's pull request");
      return pull.number;
    } catch (error) {
      log.warn({ err: error }, "could not close the cancelled task's pull request");
      return undefined;
    }
  }

  private async openPullOf(taskId: string, target: RepoRef): Promise<PullRequest | undefined> {
    const runner = await this.deps.runner();
    const marker = correlationComment(taskId);
    for (const prefix of candidatePrefixes(taskId)) {
      const pulls = await this.deps.github.findPullsByHead(target, target.owner, branchNameFor(prefix));
      // Both readings of "names the task": the worker's (the body's first marker) and the exact marker it
      // writes. Each alone would let a PR the other refuses be closed; closing wants both.
      const ours = pulls.find((p) => p.state === "open" && runner.ownsPull(p, taskId) && p.body?.includes(marker) === true);
      if (ours !== undefined) return ours;
    }
    return undefined;
  }
}

function closedOnCancelComment(taskId: string): string {
  return (
    `🤖 Task \`${taskId}\` was cancelled on its dispatch issue, so the runner closed this pull request ` +
    "(CLOSE_PR_ON_CANCEL). Its branch is kept; reopening the issue or `/agent retry` runs the task again."
  );
}
