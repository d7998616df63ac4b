import type { AuthorAssociation } from "../types.js";
import type { IssueEvent, IssueEventSink } from "../webhooks/issue-event.js";
import type { CommentRecord, IssueRecord, LabelRecord, RepoRecord } from "./records.js";
import type { SandboxState } from "./sandbox-state.js";

export interface NewIssue {
  title: string;
  body: string | null;
  labels: string[];
  authorAssociation?: AuthorAssociation;
  state?: "open" | "closed";
}

export interface IssuePatch {
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  stateReason?: "completed" | "not_planned" | "reopened" | null;
  /** Replaces the label set. */
  labels?: string[];
}

/**
 * Issue, label and comment changes shared by the REST routes and the admin API, so both
 * bump `updated_at` the same way and emit the same webhook events. Permission checks are
 * the caller's job.
 */
export class IssueService {
  constructor(
    private readonly state: SandboxState,
    private readonly events: IssueEventSink,
  ) {}

  create(repo: RepoRecord, author: string, input: NewIssue): IssueRecord {
    const issue = this.state.newIssue(repo, {
      title: input.title,
      body: input.body,
      author,
      labels: unique(input.labels.map((name) => this.state.labelFor(repo, name))),
      ...(input.authorAssociation ? { authorAssociation: input.authorAssociation } : {}),
    });
    this.emit({ action: "opened", repo, issue, sender: author });
    for (const label of issue.labels) this.emit({ action: "labeled", repo, issue, sender: author, label });
    if (input.state === "closed") this.update(repo, issue, author, { state: "closed" });
    return issue;
  }

  update(repo: RepoRecord, issue: IssueRecord, actor: string, patch: IssuePatch): IssueRecord {
    const pending: IssueEvent[] = [];
    const changes = this.applyText(issue, patch);
    if (changes) pending.push({ action: "edited", repo, issue, sender: actor, changes });
    const stateAction = this.applyState(issue, actor, patch);
    if (patch.labels !== undefined) pending.push(...this.replaceLabels(repo, issue, actor, patch.labels));
    if (stateAction) pending.push({ action: stateAction, repo, issue, sender: actor });
    // GitHub bumps updated_at on any PATCH that changed something.
    if (pending.length > 0) this.touch(repo, issue);
    for (const event of pending) this.emit(event);
    return issue;
  }

  /** Adds labels (creating unknown ones); returns the issue's labels afterwards. */
  addLabels(repo: RepoRecord, issue: IssueRecord, actor: string, names: string[]): LabelRecord[] {
    const added: LabelRecord[] = [];
    for (const name of names) {
      const label = this.state.labelFor(repo, name);
      if (issue.labels.includes(label)) continue;
      issue.labels.push(label);
      added.push(label);
    }
    if (added.length > 0) this.touch(repo, issue);
    for (const label of added) this.emit({ action: "labeled", repo, issue, sender: actor, label });
    return issue.labels;
  }

  /** Returns false when the issue does not carry the label. */
  removeLabel(repo: RepoRecord, issue: IssueRecord, actor: string, name: string): boolean {
    const index = issue.labels.findIndex((label) => label.name.toLowerCase() === name.toLowerCase());
    const label = issue.labels[index];
    if (label === undefined) return false;
    issue.labels.splice(index, 1);
    this.touch(repo, issue);
    this.emit({ action: "unlabeled", repo, issue, sender: actor, label });
    return true;
  }

  comment(repo: RepoRecord, issue: IssueRecord, author: string, body: string): CommentRecord {
    const comment = this.state.newComment(repo, issue, author, body);
    // GitHub sends `issue_comment` for a pull request's conversation comments too (its issue has `pull_request`).
    this.events.emitComment({ action: "created", repo, issue, comment, sender: author });
    return comment;
  }

  editComment(comment: CommentRecord, body: string): CommentRecord {
    comment.body = body;
    comment.updatedAt = Date.now();
    return comment;
  }

  private applyText(issue: IssueRecord, patch: IssuePatch): IssueEvent["changes"] | undefined {
    const changes: NonNullable<IssueEvent["changes"]> = {};
    if (patch.title !== undefined && patch.title !== issue.title) {
      changes.title = { from: issue.title };
      issue.title = patch.title;
    }
    if (patch.body !== undefined && patch.body !== issue.body) {
      // GitHub's webhook schema types `changes.body.from` as a string, never null.
      changes.body = { from: issue.body ?? "" };
      issue.body = patch.body;
    }
    return Object.keys(changes).length > 0 ? changes : undefined;
  }

  private applyState(issue: IssueRecord, actor: string, patch: IssuePatch): "closed" | "reopened" | undefined {
    if (patch.state === "closed" && issue.state === "open") {
      issue.state = "closed";
      issue.stateReason = patch.stateReason === "not_planned" ? "not_planned" : "completed";
      issue.closedAt = Date.now();
      issue.closedBy = actor;
      return "closed";
    }
    if (patch.state === "open" && issue.state === "closed") {
      issue.state = "open";
      issue.stateReason = "reopened";
      issue.closedAt = null;
      issue.closedBy = null;
      return "reopened";
    }
    if (patch.stateReason !== undefined && issue.state === "closed" && patch.stateReason !== "reopened") {
      issue.stateReason = patch.stateReason;
    }
    return undefined;
  }

  private replaceLabels(repo: RepoRecord, issue: IssueRecord, actor: string, names: string[]): IssueEvent[] {
    const next = unique(names.map((name) => this.state.labelFor(repo, name)));
    const removed = issue.labels.filter((label) => !next.includes(label));
    const added = next.filter((label) => !issue.labels.includes(label));
    issue.labels = next;
    return [
      ...removed.map((label): IssueEvent => ({ action: "unlabeled", repo, issue, sender: actor, label })),
      ...added.map((label): IssueEvent => ({ action: "labeled", repo, issue, sender: actor, label })),
    ];
  }

  private touch(repo: RepoRecord, issue: IssueRecord): void {
    issue.updatedAt = Date.now();
    repo.updatedAt = issue.updatedAt;
  }

  private emit(event: IssueEvent): void {
    // Pull requests get `pull_request` events on GitHub, which the sandbox does not send.
    if (!event.issue.pull) this.events.emit(event);
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
