import type { RepoRef } from "../task/repo-name.js";

/** One commit the runner made the tip of a task's branch. */
export interface PushRecord {
  readonly taskId: string;
  readonly repo: RepoRef;
  readonly branch: string;
  readonly sha: string;
}

/**
 * The runner's own memory of what it pushed. Git authorship and commit
 * trailers are text anyone with push access can write; this record is
 * written only by the runner, so a branch whose tip is in it is the runner's.
 */
export interface PushLedger {
  /** Called before the push, so an attempt that dies mid-push still recognises its branch. */
  record(push: PushRecord): Promise<void>;
  /** Whether the runner recorded pushing exactly this commit to this branch for this task. */
  has(push: PushRecord): Promise<boolean>;
}
