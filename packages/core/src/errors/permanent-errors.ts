/**
 * Failures that no retry can fix. The queue adapter turns them into its own
 * "do not retry" signal, so the domain knows nothing of the queue library.
 * `reason` is a stable, bounded code: safe as a metric label and shown to users.
 */
export abstract class PermanentTaskError extends Error {
  abstract readonly reason: string;
  /** Text meant for the person who filed the dispatch issue. */
  readonly userMessage: string;

  constructor(message: string, userMessage?: string) {
    super(message);
    this.name = new.target.name;
    this.userMessage = userMessage ?? message;
  }
}

export class InvalidTaskError extends PermanentTaskError {
  readonly reason = "invalid_task";
}

export class RepoNotFoundError extends PermanentTaskError {
  readonly reason = "repo_not_found";
}

export class TargetNotAllowedError extends PermanentTaskError {
  readonly reason = "target_not_allowed";
}

export class ChangeFailedError extends PermanentTaskError {
  readonly reason = "change_failed";
}

/** The change step ran fine but produced nothing to commit. */
export class NoChangesError extends PermanentTaskError {
  readonly reason = "no_changes";
}

export class BranchConflictError extends PermanentTaskError {
  readonly reason = "branch_conflict";
}


/** The task's dispatch issue was closed, unlabelled or told to stop: nothing more is written for this run. */
export class TaskCancelledError extends PermanentTaskError {
  readonly reason = "cancelled";
}
