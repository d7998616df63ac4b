import { mustHavePushAccess, notFound, tokenCannotWrite } from "../api/api-error.js";
import type { CommentRecord, IssueRecord, RepoRecord } from "../state/records.js";
import type { RouteContext } from "./route-types.js";

export type Access = "read" | "write";

/**
 * The repository named in the path, if the caller may see it: missing and invisible
 * repositories are both 404 (GitHub does not reveal private repositories). `write` refuses
 * read-only tokens with 403 before any other rule.
 */
export function repoFor(ctx: RouteContext, access: Access): RepoRecord {
  const repo = ctx.services.state.findRepo(ctx.params["owner"] ?? "", ctx.params["repo"] ?? "");
  if (!repo || ctx.services.state.permission(repo, ctx.actor.login) === "none") throw notFound();
  if (access === "write" && ctx.actor.readOnly) throw tokenCannotWrite();
  return repo;
}

export function canPush(ctx: RouteContext, repo: RepoRecord): boolean {
  const permission = ctx.services.state.permission(repo, ctx.actor.login);
  return permission === "admin" || permission === "write";
}

export function requirePush(ctx: RouteContext, repo: RepoRecord): void {
  if (!canPush(ctx, repo)) throw mustHavePushAccess();
}

/** Authors may edit their own issues and comments without push access, as on GitHub. */
export function requirePushOrAuthor(ctx: RouteContext, repo: RepoRecord, author: string): void {
  if (author.toLowerCase() !== ctx.actor.login.toLowerCase()) requirePush(ctx, repo);
}

export function issueFor(ctx: RouteContext, repo: RepoRecord): IssueRecord {
  const issue = repo.issues.get(numberParam(ctx, "issue_number"));
  if (!issue) throw notFound();
  return issue;
}

export function pullFor(ctx: RouteContext, repo: RepoRecord): IssueRecord {
  const issue = repo.issues.get(numberParam(ctx, "pull_number"));
  if (!issue?.pull) throw notFound();
  return issue;
}

export function commentFor(ctx: RouteContext, repo: RepoRecord): CommentRecord {
  const comment = repo.comments.get(numberParam(ctx, "comment_id"));
  if (!comment) throw notFound();
  return comment;
}

function numberParam(ctx: RouteContext, name: string): number {
  const raw = ctx.params[name] ?? "";
  if (!/^\d+$/.test(raw)) throw notFound();
  return Number(raw);
}
