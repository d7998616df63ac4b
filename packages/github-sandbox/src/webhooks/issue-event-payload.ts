import type { JsonContext } from "../serializers/json-context.js";
import { issueJson } from "../serializers/issue-json.js";
import { labelJson } from "../serializers/label-json.js";
import { repoJson } from "../serializers/repo-json.js";
import { userJson } from "../serializers/user-json.js";
import { commentJson } from "../serializers/comment-json.js";
import { pullJson } from "../serializers/pull-json.js";
import { reviewCommentJson } from "../serializers/review-comment-json.js";
import type { CommentEvent, IssueEvent, ReviewCommentEvent } from "./issue-event.js";

/** The body of an `issues` webhook delivery, shaped like GitHub's `webhook-issues-<action>`. */
export function issueEventPayload(ctx: JsonContext, event: IssueEvent): Record<string, unknown> {
  return {
    action: event.action,
    issue: issueJson(ctx, event.repo, event.issue),
    ...(event.changes ? { changes: event.changes } : {}),
    ...(event.label ? { label: labelJson(ctx, event.repo, event.label) } : {}),
    repository: repoJson(ctx, event.repo),
    sender: userJson(ctx, event.sender),
  };
}

/** The body of an `issue_comment` delivery, shaped like GitHub's `webhook-issue-comment-created`. */
export function commentEventPayload(ctx: JsonContext, event: CommentEvent): Record<string, unknown> {
  return {
    action: event.action,
    issue: issueJson(ctx, event.repo, event.issue),
    comment: commentJson(ctx, event.repo, event.comment),
    repository: repoJson(ctx, event.repo),
    sender: userJson(ctx, event.sender),
  };
}

/** The body of a `pull_request_review_comment` delivery, shaped like GitHub's `webhook-pull-request-review-comment-created`. */
export function reviewCommentEventPayload(ctx: JsonContext, event: ReviewCommentEvent): Record<string, unknown> {
  return {
    action: event.action,
    comment: reviewCommentJson(ctx, event.repo, event.comment),
    pull_request: pullJson(ctx, event.repo, event.issue),
    repository: repoJson(ctx, event.repo),
    sender: userJson(ctx, event.sender),
  };
}
