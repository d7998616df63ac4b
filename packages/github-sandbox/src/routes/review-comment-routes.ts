import { paginate } from "../api/pagination.js";
import { reviewCommentJson } from "../serializers/review-comment-json.js";
import { filterAndSortComments, type CommentListRules } from "./comment-list-query.js";
import { repoFor } from "./route-access.js";
import type { RouteDefinition } from "./route-types.js";

const DOCS = "https://docs.github.com/rest/pulls/comments";
/** Without `sort` GitHub lists them by id, ascending; `created_at` is a synonym of `created`. */
const REVIEW_COMMENT_LISTING: CommentListRules = {
  resource: "PullRequestReviewComment",
  sorts: { created: "createdAt", created_at: "createdAt", updated: "updatedAt" },
  defaultSort: "id",
};

export const reviewCommentRoutes: RouteDefinition[] = [
  {
    // Listed before the pull routes: `/pulls/comments` must not read as pull number "comments".
    operation: "GET /repos/{owner}/{repo}/pulls/comments",
    docs: `${DOCS}#list-review-comments-in-a-repository`,
    handle(ctx) {
      const repo = repoFor(ctx, "read");
      const comments = filterAndSortComments([...repo.reviewComments.values()], ctx.query, REVIEW_COMMENT_LISTING);
      const page = paginate(comments, ctx.query, ctx.selfUrl);
      const body = page.items.map((comment) => reviewCommentJson(ctx.services.json, repo, comment));
      return { status: 200, body, ...(page.link ? { headers: { link: page.link } } : {}) };
    },
  },
];
