import { UnrecoverableError } from "bullmq";

/**
 * Failures that no retry can fix. They extend BullMQ's UnrecoverableError so a
 * worker that throws one fails the job at once instead of burning its attempts.
 * `reason` is a stable, bounded code: safe as a metric label and shown to users.
 */
export abstract class PermanentTaskError extends UnrecoverableError {
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

export class PermissionDeniedError extends PermanentTaskError {
  readonly reason = "permission_denied";
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

export class TaskTimedOutError extends PermanentTaskError {
  readonly reason = "timeout";
}
