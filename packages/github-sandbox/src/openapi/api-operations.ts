/**
 * Every GitHub REST operation the sandbox serves, written as `METHOD /path/template`
 * with GitHub's own parameter names, so a route template doubles as the key into
 * GitHub's OpenAPI description and as the `route` field of the request log.
 */
export const API_OPERATIONS = [
  "GET /repos/{owner}/{repo}",
  "GET /repos/{owner}/{repo}/issues",
  "POST /repos/{owner}/{repo}/issues",
  "GET /repos/{owner}/{repo}/issues/{issue_number}",
  "PATCH /repos/{owner}/{repo}/issues/{issue_number}",
  "GET /repos/{owner}/{repo}/issues/comments",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
  "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
  "GET /repos/{owner}/{repo}/pulls",
  "POST /repos/{owner}/{repo}/pulls",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}",
  "PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
  "GET /repos/{owner}/{repo}/pulls/comments",
  "GET /repos/{owner}/{repo}/git/matching-refs/{ref}",
  "DELETE /repos/{owner}/{repo}/git/refs/{ref}",
  "GET /rate_limit",
  "GET /user",
  "GET /app",
  "GET /repos/{owner}/{repo}/installation",
  "POST /app/installations/{installation_id}/access_tokens",
] as const;

export type ApiOperation = (typeof API_OPERATIONS)[number];

/** Webhook payloads the sandbox sends, as `event.action`; schemas are `webhook-<event>-<action>`. */
export const WEBHOOK_EVENTS = [
  "issues.opened",
  "issues.edited",
  "issues.closed",
  "issues.reopened",
  "issues.labeled",
  "issues.unlabeled",
  "issue_comment.created",
  "pull_request_review_comment.created",
] as const;

export type WebhookEventAction = (typeof WEBHOOK_EVENTS)[number];
