import type { CommentRecord, IssueRecord, LabelRecord, RepoRecord, ReviewCommentRecord } from "../state/records.js";

export type IssueAction = "opened" | "edited" | "closed" | "reopened" | "labeled" | "unlabeled";

/** Something that happened to an issue, captured when it happened (the issue is snapshotted by the sink). */
export interface IssueEvent {
  action: IssueAction;
  repo: RepoRecord;
  issue: IssueRecord;
  sender: string;
  label?: LabelRecord;
  changes?: { title?: { from: string }; body?: { from: string } };
}

/** A comment added to an issue (GitHub's `issue_comment` event). */
export interface CommentEvent {
  action: "created";
  repo: RepoRecord;
  issue: IssueRecord;
  comment: CommentRecord;
  sender: string;
}

/** A comment on a pull request's diff (GitHub's `pull_request_review_comment` event); `issue` is the pull request. */
export interface ReviewCommentEvent {
  action: "created";
  repo: RepoRecord;
  issue: IssueRecord;
  comment: ReviewCommentRecord;
  sender: string;
}

export interface IssueEventSink {
  emit(event: IssueEvent): void;
  emitComment(event: CommentEvent): void;
  emitReviewComment(event: ReviewCommentEvent): void;
}
