import { jobIdForRun, type CancelResult, type CancellationLedger, type GitHubClient, type RepoRef, type TaskQueue, type TaskRuns } from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { AnswerLedger } from "./answer-ledger.js";
import type { TaskPullCloser } from "./task-pull-closer.js";

export interface TaskCancellerDeps {
  readonly github: GitHubClient;
  readonly queue: TaskQueue;
  readonly runs: TaskRuns;
  readonly cancels: CancellationLedger;
  /** Claims the one cancel comment per run. */
  readonly ledger: AnswerLedger;
  readonly dispatchRepo: RepoRef;
  readonly dispatchLabel: string;
  /** COMMAND_PREFIX, named in the comment a command's cancel posts. */
  readonly commandPrefix: string;
  /** Set with CLOSE_PR_ON_CANCEL: a cancel also closes the task's open PR. */
  readonly pulls?: TaskPullCloser | undefined;
  readonly log: Logger;
}

/**
 * Cancels the current run of a task: the flag first (a worker that takes the
 * job a moment later still sees it), then the job itself, then one comment.
 * The poll's sweep calls it for tracked tasks whose issue left the listing;
 * a webhook receiver can call it for `issues` closed / unlabeled events.
 */
export class TaskCanceller {
  constructor(private readonly deps: TaskCancellerDeps) {}

  async cancel(taskId: string, issueNumber: number, why: CancelCause = "issue"): Promise<CancelResult> {
    const jobId = jobIdForRun(taskId, await this.deps.runs.current(taskId));
    await this.deps.cancels.cancel(jobId);
    const result = await this.deps.queue.cancel(jobId);
    const log = this.deps.log.child({ taskId, jobId, issue: issueNumber, result });
    // A run that was already over had nothing to cancel: nobody needs telling.
    if (result === "removed" || result === "active") {
      log.info("cancelled task");
      await this.announce(issueNumber, jobId, why, log);
      await this.deps.pulls?.close(taskId);
    }
    return result;
  }

  private async announce(issueNumber: number, jobId: string, why: CancelCause, log: Logger): Promise<void> {
    const key = `cancelled:${this.deps.dispatchRepo.owner}/${this.deps.dispatchRepo.repo}#${issueNumber}:${jobId}`;
    if (!(await this.deps.ledger.claim(key))) return;
    try {
      await this.deps.github.createIssueComment(this.deps.dispatchRepo, issueNumber, cancelComment(this.deps.dispatchLabel, why, this.deps.commandPrefix, this.deps.pulls !== undefined));
    } catch (error) {
      log.warn({ err: error }, "could not comment the cancel; will retry next poll");
      await this.deps.ledger.release(key).catch(() => undefined);
    }
  }
}

/** What cancelled a run: its issue leaving the listing, or a command. */
export type CancelCause = "issue" | "command";

function cancelComment(dispatchLabel: string, why: CancelCause, commandPrefix: string, closesPull = false): string {
  const cause = why === "command" ? "as a comment asked" : `the issue was closed or lost its \`${dispatchLabel}\` label`;
  const again = why === "command" ? `Comment \`${commandPrefix} retry\`` : `Reopen the issue or add \`${dispatchLabel}\` again`;
  const pull = closesPull ? "a pull request it already opened is closed (CLOSE_PR_ON_CANCEL)" : "a pull request it already opened stays as it is";
  return `The runner cancelled this task: ${cause}. Nothing more is pushed or commented for this run; ${pull}. ${again} to run the task again.`;
}
