import { validationFailed } from "../api/api-error.js";
import { paginate } from "../api/pagination.js";
import type { CommentRecord } from "../state/records.js";
import { commentJson } from "../serializers/comment-json.js";
import { commentFor, issueFor, repoFor, requirePushOrAuthor } from "./route-access.js";
import type { RouteDefinition } from "./route-types.js";
import { bodyObject, requiredString } from "./request-body.js";

const DOCS = "https://docs.github.com/rest/issues/comments";

export const commentRoutes: RouteDefinition[] = [
  {
    // Listed before the issue routes: `/issues/comments` must not read as issue number "comments".
    operation: "GET /repos/{owner}/{repo}/issues/comments",
    docs: `${DOCS}#list-issue-comments-for-a-repository`,
    handle(ctx) {
      const repo = repoFor(ctx, "read");
      const comments = sortRepoComments([...repo.comments.values()], ctx.query);
      const page = paginate(comments, ctx.query, ctx.selfUrl);
      const body = page.items.map((comment) => commentJson(ctx.services.json, repo, comment));
      return { status: 200, body, ...(page.link ? { headers: { link: page.link } } : {}) };
    },
  },
  {
    operation: "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
    docs: `${DOCS}#list-issue-comments`,
    handle(ctx) {
      const repo = repoFor(ctx, "read");
      const issue = issueFor(ctx, repo);
      const since = Date.parse(ctx.query.get("since") ?? "");
      const comments = ctx.services.state
        .commentsOf(repo, issue.number)
        .filter((comment) => Number.isNaN(since) || comment.updatedAt >= Math.floor(since / 1000) * 1000);
      const page = paginate(comments, ctx.query, ctx.selfUrl);
      const body = page.items.map((comment) => commentJson(ctx.services.json, repo, comment));
      return { status: 200, body, ...(page.link ? { headers: { link: page.link } } : {}) };
    },
  },
  {
    operation: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    docs: `${DOCS}#create-an-issue-comment`,
    handle(ctx) {
      const repo = repoFor(ctx, "write");
      const issue = issueFor(ctx, repo);
      const body = requiredString(bodyObject(ctx.body), "body");
      const comment = ctx.services.issues.comment(repo, issue, ctx.actor.login, body);
      const json = commentJson(ctx.services.json, repo, comment);
      return { status: 201, body: json, headers: { location: json.url } };
    },
  },
  {
    operation: "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
    docs: `${DOCS}#update-an-issue-comment`,
    handle(ctx) {
      const repo = repoFor(ctx, "write");
      const comment = commentFor(ctx, repo);
      requirePushOrAuthor(ctx, repo, comment.author);
      const body = requiredString(bodyObject(ctx.body), "body");
      ctx.services.issues.editComment(comment, body);
      return { status: 200, body: commentJson(ctx.services.json, repo, comment) };
    },
  },
];

/**
 * The filters and ordering of `GET /repos/{owner}/{repo}/issues/comments`: `since` (compared to
 * the second, as GitHub shows times), `sort` created|updated (default created) and `direction`
 * asc|desc, which GitHub ignores without `sort`. An unknown value is a 422, as on GitHub.
 */
function sortRepoComments(comments: CommentRecord[], query: URLSearchParams): CommentRecord[] {
  const sinceRaw = query.get("since");
  const since = sinceRaw ? Date.parse(sinceRaw) : Number.NaN;
  const sort = pick(query.get("sort"), ["created", "updated"], "created", "sort");
  const direction = query.get("sort") === null ? "asc" : pick(query.get("direction"), ["asc", "desc"], "desc", "direction");
  const matching = comments.filter((c) => Number.isNaN(since) || c.updatedAt >= Math.floor(since / 1000) * 1000);
  const key = (c: CommentRecord) => (sort === "updated" ? c.updatedAt : c.createdAt);
  const sign = direction === "asc" ? 1 : -1;
  return matching.sort((a, b) => sign * (key(a) - key(b) || a.id - b.id));
}

function pick<T extends string>(value: string | null, allowed: readonly T[], fallback: T, field: string): T {
  if (value === null) return fallback;
  if (!allowed.includes(value as T)) throw validationFailed([{ resource: "IssueComment", field, code: "invalid", value }]);
  return value as T;
}
