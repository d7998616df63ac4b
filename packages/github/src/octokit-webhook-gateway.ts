import { Webhooks } from "@octokit/webhooks";
import type { DispatchIssue, IssueComment, ReviewPlace } from "@agent-runner/core";
import { toDispatchIssue, type ApiIssue } from "./api-issue.js";

/** An issue as a webhook delivery described it: the issue, where it lives, and what happened. */
export interface WebhookIssue {
  readonly event: "issues" | "issue_comment";
  readonly action: string;
  /** `owner/name` as the payload spells it. */
  readonly repository: string;
  readonly state: "open" | "closed";
  readonly issue: DispatchIssue;
}

/** A comment on a pull request as a delivery described it: a possible follow-up. */
export interface WebhookPullComment {
  readonly event: "issue_comment" | "pull_request_review_comment";
  readonly action: string;
  /** `owner/name` as the payload spells it. */
  readonly repository: string;
  readonly pullNumber: number;
  readonly comment: IssueComment;
  /** Set for an inline review comment (`pull_request_review_comment`): where on the diff it is. */
  readonly review?: ReviewPlace;
}

/**
 * Verifies GitHub webhook deliveries (`X-Hub-Signature-256`, HMAC-SHA256 of the raw body,
 * compared in constant time by @octokit/webhooks) and reads the issue out of `issues` and
 * `issue_comment` payloads. Even a signed payload is checked field by field: a shape this
 * code does not expect is "not an issue event", never a crash.
 */
export class OctokitWebhookGateway {
  private readonly webhooks: Webhooks;

  constructor(secret: string) {
    this.webhooks = new Webhooks({ secret });
  }

  async verify(rawBody: string, signature: string | undefined): Promise<boolean> {
    if (signature === undefined || !signature.startsWith("sha256=")) return false;
    try {
      return await this.webhooks.verify(rawBody, signature);
    } catch {
      return false;
    }
  }

  issueOf(event: string, payload: unknown): WebhookIssue | undefined {
    if (event !== "issues" && event !== "issue_comment") return undefined;
    if (!isObject(payload) || typeof payload["action"] !== "string") return undefined;
    const repository = isObject(payload["repository"]) ? payload["repository"]["full_name"] : undefined;
    const issue = payload["issue"];
    if (typeof repository !== "string" || !isApiIssue(issue)) return undefined;
    const state = issue.state === "closed" ? "closed" : "open";
    return { event, action: payload["action"], repository, state, issue: toDispatchIssue(issue) };
  }

  /**
   * The comment of an `issue_comment` delivery whose issue is a pull request (its conversation
   * tab), or of a `pull_request_review_comment` delivery (a comment on its diff).
   */
  pullCommentOf(event: string, payload: unknown): WebhookPullComment | undefined {
    if (event === "pull_request_review_comment") return reviewCommentOf(payload);
    if (event !== "issue_comment" || !isObject(payload) || typeof payload["action"] !== "string") return undefined;
    const repository = isObject(payload["repository"]) ? payload["repository"]["full_name"] : undefined;
    const issue = payload["issue"];
    const comment = payload["comment"];
    if (typeof repository !== "string" || !isObject(issue) || !isApiComment(comment)) return undefined;
    const pullNumber = issue["number"];
    if (!Number.isSafeInteger(pullNumber) || !isObject(issue["pull_request"])) return undefined;
    return {
      event,
      action: payload["action"],
      repository,
      pullNumber: pullNumber as number,
      comment: {
        id: comment.id,
        body: comment.body,
        authorLogin: comment.user?.login,
        authorAssociation: comment.author_association,
        htmlUrl: comment.html_url,
      },
    };
  }
}

/** A `pull_request_review_comment` delivery: the comment, its file and line, and the PR it is on. */
function reviewCommentOf(payload: unknown): WebhookPullComment | undefined {
  if (!isObject(payload) || typeof payload["action"] !== "string") return undefined;
  const repository = isObject(payload["repository"]) ? payload["repository"]["full_name"] : undefined;
  const pull = payload["pull_request"];
  const comment = payload["comment"];
  if (typeof repository !== "string" || !isObject(pull) || !isObject(comment) || !isApiComment(comment)) return undefined;
  const pullNumber = pull["number"];
  const { path, line } = comment as ApiComment & { path?: unknown; line?: unknown };
  if (!Number.isSafeInteger(pullNumber) || (pullNumber as number) <= 0 || typeof path !== "string" || path === "") return undefined;
  // `line` is null on a comment on a whole file.
  const review: ReviewPlace = Number.isSafeInteger(line) && (line as number) > 0 ? { path, line: line as number } : { path };
  return {
    event: "pull_request_review_comment",
    action: payload["action"],
    repository,
    pullNumber: pullNumber as number,
    comment: { id: comment.id, body: comment.body, authorLogin: comment.user?.login, authorAssociation: comment.author_association, htmlUrl: comment.html_url },
    review,
  };
}

interface ApiComment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string } | null;
  author_association?: string;
}

function isApiComment(value: unknown): value is ApiComment {
  if (!isObject(value)) return false;
  const user = value["user"];
  return (
    Number.isSafeInteger(value["id"]) &&
    (value["id"] as number) > 0 &&
    typeof value["body"] === "string" &&
    typeof value["html_url"] === "string" &&
    (user === null || (isObject(user) && typeof user["login"] === "string")) &&
    (value["author_association"] === undefined || typeof value["author_association"] === "string")
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isApiIssue(value: unknown): value is ApiIssue & { state?: string } {
  if (!isObject(value)) return false;
  const user = value["user"];
  return (
    Number.isSafeInteger(value["number"]) &&
    typeof value["title"] === "string" &&
    (value["body"] === undefined || value["body"] === null || typeof value["body"] === "string") &&
    typeof value["html_url"] === "string" &&
    typeof value["updated_at"] === "string" &&
    (value["state"] === "open" || value["state"] === "closed") &&
    Array.isArray(value["labels"]) &&
    value["labels"].every((l) => typeof l === "string" || (isObject(l) && (l["name"] === undefined || typeof l["name"] === "string"))) &&
    (user === null || (isObject(user) && typeof user["login"] === "string")) &&
    (value["author_association"] === undefined || typeof value["author_association"] === "string")
  );
}
