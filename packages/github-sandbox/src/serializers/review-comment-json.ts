import { toGitHubTime } from "../github-time.js";
import type { RepoRecord, ReviewCommentRecord } from "../state/records.js";
import type { ReviewComment } from "../types.js";
import { reactionsJson } from "./issue-json.js";
import type { JsonContext } from "./json-context.js";
import { repoApiUrl, repoHtmlUrl } from "./repo-json.js";
import { userJson } from "./user-json.js";

/**
 * GitHub's `pull-request-review-comment`, with every field its `pull_request_review_comment`
 * webhook requires too (one shape serves both). Single-line comments on the right side only.
 */
export function reviewCommentJson(ctx: JsonContext, repo: RepoRecord, comment: ReviewCommentRecord): ReviewComment {
  const url = `${repoApiUrl(ctx, repo)}/pulls/comments/${comment.id}`;
  const html = `${repoHtmlUrl(ctx, repo)}/pull/${comment.pullNumber}#discussion_r${comment.id}`;
  const pullUrl = `${repoApiUrl(ctx, repo)}/pulls/${comment.pullNumber}`;
  return {
    url,
    pull_request_review_id: comment.reviewId,
    id: comment.id,
    node_id: comment.nodeId,
    diff_hunk: comment.diffHunk,
    path: comment.path,
    position: comment.position,
    original_position: comment.position,
    commit_id: comment.commitId,
    original_commit_id: comment.commitId,
    ...(comment.inReplyTo === undefined ? {} : { in_reply_to_id: comment.inReplyTo }),
    user: userJson(ctx, comment.author),
    body: comment.body,
    created_at: toGitHubTime(comment.createdAt),
    updated_at: toGitHubTime(comment.updatedAt),
    html_url: html,
    pull_request_url: pullUrl,
    author_association: comment.authorAssociation ?? ctx.state.association(repo, comment.author),
    _links: { self: { href: url }, html: { href: html }, pull_request: { href: pullUrl } },
    start_line: null,
    original_start_line: null,
    start_side: null,
    line: comment.line,
    original_line: comment.line,
    side: "RIGHT",
    subject_type: "line",
    reactions: reactionsJson(url),
  };
}
