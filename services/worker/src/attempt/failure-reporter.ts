import { parseRepoRef, type RepoRef, type TaskJob } from "@agent-runner/core";
import type { Logger } from "@agent-runner/runtime";
import type { CancelGuard } from "./cancel-watch.js";
import { DispatchReporter } from "./dispatch-reporter.js";
import { FollowUpReporter } from "./follow-up-reporter.js";
import type { WorkerDeps } from "./worker-deps.js";

/**
 * Explains a failure nobody will retry, once, where the task's user looks: on
 * the dispatch issue, or for a follow-up on the PR where it was asked. Built
 * from the job as it was queued, before the issue is read again, so an issue
 * that no longer stands for the task is reported like any other failure.
 */
export class FailureReporter {
  private readonly reporter: DispatchReporter;
  /** Set on a follow-up run: its failure is answered on the task's PR; the dispatch issue's report stands. */
  private readonly followUpReporter: FollowUpReporter | undefined;
  /** The timed-out step's work was kept and reported as incomplete: the failure needs no second comment. */
  private workKept = false;

  constructor(
    job: TaskJob,
    deps: Pick<WorkerDeps, "github" | "runner" | "settings">,
    private readonly cancel: CancelGuard,
    private readonly log: Logger,
  ) {
    // The job schema has already checked that both names parse.
    const dispatch = parseRepoRef(job.dispatchRepo) as RepoRef;
    const issue = { repo: dispatch, issueNumber: job.issueNumber, taskId: job.taskId, run: job.run ?? 1 };
    this.reporter = new DispatchReporter(deps.github, deps.runner, issue, deps.settings.processedLabel);
    this.followUpReporter =
      job.followUp === undefined ? undefined : new FollowUpReporter(deps.github, deps.runner, parseRepoRef(job.targetRepo) as RepoRef, job.taskId, job.followUp);
  }

  /** The attempt kept a timed-out step's work as a draft PR and said so on the issue: that comment is the failure's. */
  keptWork(): void {
    this.workKept = true;
  }

  /**
   * Reports `error`, which ended the run for good: `exhausted` when retries
   * ran out on a failure that was not permanent (the caller has classified
   * it). A failure to report it is logged: the task's own error is what the
   * queue must see.
   */
  async failed(error: unknown, exhausted: boolean): Promise<void> {
    if (this.workKept) return;
    if (await this.cancel.wasCancelled().catch(() => false)) return;
    if (this.followUpReporter !== undefined) {
      await this.followUpReporter
        .failed(error)
        .catch((reportError: unknown) => this.log.warn({ err: reportError }, "could not report the follow-up's failure on the pull request"));
      return;
    }
    await this.reporter
      .failed(error, exhausted)
      .catch((reportError: unknown) => this.log.warn({ err: reportError }, "could not report the failure on the dispatch issue"));
  }
}
