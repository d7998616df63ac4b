import { toGitHubTime } from "../github-time.js";
import type { CommentRecord, RepoRecord } from "../state/records.js";
import type { Comment } from "../types.js";
import { issueApiUrl, reactionsJson } from "./issue-json.js";
import type { JsonContext } from "./json-context.js";
import { repoApiUrl, repoHtmlUrl } from "./repo-json.js";
import { userJson } from "./user-json.js";

/** GitHub's `issue-comment`. */
export function commentJson(ctx: JsonContext, repo: RepoRecord, comment: CommentRecord): Comment {
  const url = `${repoApiUrl(ctx, repo)}/issues/comments/${comment.id}`;
  const kind = repo.issues.get(comment.issueNumber)?.pull ? "pull" : "issues";
  return {
    url,
    html_url: `${repoHtmlUrl(ctx, repo)}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: issueApiUrl(ctx, repo, comment.issueNumber),
    id: comment.id,
    node_id: comment.nodeId,
    user: userJson(ctx, comment.author),
    created_at: toGitHubTime(comment.createdAt),
    updated_at: toGitHubTime(comment.updatedAt),
    author_association: comment.authorAssociation ?? ctx.state.association(repo, comment.author),
    body: comment.body,
    reactions: reactionsJson(url),
    performed_via_github_app: null,
  };
}
