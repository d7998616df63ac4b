import { notFound, validationFailed } from "../api/api-error.js";
import type { IssueEventSink } from "../webhooks/issue-event.js";
import { diffPosition } from "./diff-position.js";
import type { PullService } from "./pull-service.js";
import type { IssueRecord, RepoRecord, ReviewCommentRecord } from "./records.js";
import type { SandboxState } from "./sandbox-state.js";

export interface NewReviewComment {
  body: string;
  /** A file the pull request changes; required unless `inReplyTo` is given. */
  path?: string;
  /** A right-side line of that file inside the pull request's diff. */
  line?: number;
  /** Answers the thread of this review comment (its path and line are taken from it). */
  inReplyTo?: number;
}

/**
 * Comments on pull requests' diffs. A new thread must sit on a line of the diff between the
 * pull request's base and head, as GitHub demands; a reply joins its thread's top-level
 * comment. Each emits `pull_request_review_comment` `created`.
 */
export class ReviewCommentService {
  constructor(
    private readonly state: SandboxState,
    private readonly pulls: PullService,
    private readonly events: IssueEventSink,
  ) {}

  create(repo: RepoRecord, issue: IssueRecord, author: string, input: NewReviewComment): ReviewCommentRecord {
    const pull = issue.pull;
    if (!pull) throw notFound();
    if (input.body.trim() === "") throw validationFailed([{ resource: "PullRequestReviewComment", field: "body", code: "missing_field" }]);
    this.pulls.refreshAllSync(repo, [issue]);
    const place = input.inReplyTo === undefined ? this.newThread(repo, issue, input) : this.thread(repo, issue, input.inReplyTo);
    const comment = this.state.newReviewComment(repo, { pullNumber: issue.number, body: input.body, author, commitId: pull.headSha, ...place });
    issue.updatedAt = comment.createdAt;
    this.events.emitReviewComment({ action: "created", repo, issue, comment, sender: author });
    return comment;
  }

  private newThread(repo: RepoRecord, issue: IssueRecord, input: NewReviewComment) {
    const { path, line } = input;
    if (path === undefined || path === "") throw validationFailed([{ resource: "PullRequestReviewComment", field: "path", code: "missing_field" }]);
    if (line === undefined || !Number.isSafeInteger(line) || line < 1) {
      throw validationFailed([{ resource: "PullRequestReviewComment", field: "line", code: "invalid" }]);
    }
    const pull = issue.pull as NonNullable<IssueRecord["pull"]>;
    const found = diffPosition(this.state.git(repo).fileDiffSync(pull.baseSha, pull.headSha, path), line);
    if (found === undefined) {
      throw validationFailed([{ resource: "PullRequestReviewComment", code: "custom", field: "pull_request_review_thread.line", message: "could not be resolved" }]);
    }
    return { path, line, position: found.position, diffHunk: found.diffHunk };
  }

  /** A reply sits where its thread does; a reply to a reply joins the same thread. */
  private thread(repo: RepoRecord, issue: IssueRecord, inReplyTo: number) {
    const parent = repo.reviewComments.get(inReplyTo);
    if (!parent || parent.pullNumber !== issue.number) throw notFound();
    const top = parent.inReplyTo === undefined ? parent : (repo.reviewComments.get(parent.inReplyTo) ?? parent);
    return { path: top.path, line: top.line, position: top.position, diffHunk: top.diffHunk, inReplyTo: top.id };
  }
}
