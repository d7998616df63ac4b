import type { IssueRecord, LabelRecord, RepoRecord } from "../state/records.js";

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

export interface IssueEventSink {
  emit(event: IssueEvent): void;
}
