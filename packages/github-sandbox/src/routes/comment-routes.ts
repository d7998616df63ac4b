import { paginate } from "../api/pagination.js";
import { commentJson } from "../serializers/comment-json.js";
import { commentFor, issueFor, repoFor, requirePushOrAuthor } from "./route-access.js";
import type { RouteDefinition } from "./route-types.js";
import { bodyObject, requiredString } from "./request-body.js";
import { filterAndSortComments, type CommentListRules } from "./comment-list-query.js";

const DOCS = "https://docs.github.com/rest/issues/comments";
/** `GET /repos/{owner}/{repo}/issues/comments`: sort created|updated, default created. */
const ISSUE_COMMENT_LISTING: CommentListRules = { resource: "IssueComment", sorts: { created: "createdAt", updated: "updatedAt" }, defaultSort: "createdAt" };

export const commentRoutes: RouteDefinition[] = [
  {
    // Listed before the issue routes: `/issues/comments` must not read as issue number "comments".
    operation: "GET /repos/{owner}/{repo}/issues/comments",
    docs: `${DOCS}#list-issue-comments-for-a-repository`,
    handle(ctx) {
      const repo = repoFor(ctx, "read");
      const comments = filterAndSortComments([...repo.comments.values()], ctx.query, ISSUE_COMMENT_LISTING);
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
