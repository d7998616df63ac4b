/** What a change step knows about the task it works on. */
export interface ChangeTask {
  readonly taskId: string;
  /** The branch-name prefix (usually the first 8 characters of the id). */
  readonly prefix: string;
  readonly branch: string;
  /** The issue's instruction with hidden comments and invisible characters removed (see instruction-hygiene.ts). */
  readonly instruction: string;
  /** Says what was removed from the instruction, for the trace file; "" when nothing was. */
  readonly instructionNotice: string;
  readonly issueNumber: number;
  readonly issueTitle: string;
  readonly issueUrl: string;
  readonly dispatchRepo: string;
  readonly targetRepo: string;
  readonly agentName: string;
  readonly enqueuedAt: string;
  /** Repo-relative path of the trace file, `agent-tasks/<prefix>.md`. */
  readonly traceFilePath: string;
  /** Set on a follow-up run: the instruction is a reviewer's comment on the task's PR. */
  readonly followUp?: {
    readonly pull: number;
    readonly commentUrl: string;
    /** Set for an inline review comment: where on the diff it is (`` `path` line N ``, cleaned). */
    readonly place?: string;
  };
}

export interface ChangeWorkspace {
  /** The checked-out working tree; a handler writes only below it. */
  readonly dir: string;
}

export interface ChangeResult {
  /** One or a few lines for the PR body. */
  readonly summary: string;
  /** Repo-relative paths the handler wrote, created or deleted. */
  readonly changedFiles: readonly string[];
}

/**
 * The pluggable change step. Throw a PermanentTaskError subclass for failures
 * a retry cannot fix (a patch that does not apply); anything else is retried.
 */
export interface TaskHandler {
  readonly name: string;
  /**
   * True when writing the trace file is the whole point (the `trace` handler).
   * For every other handler a run that changed nothing but the trace file
   * "changed nothing": no PR is opened.
   */
  readonly traceIsTheChange?: boolean;
  apply(workspace: ChangeWorkspace, task: ChangeTask, signal: AbortSignal): Promise<ChangeResult>;
}
