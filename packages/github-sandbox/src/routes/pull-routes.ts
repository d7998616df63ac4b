import { validationFailed } from "../api/api-error.js";
import { paginate } from "../api/pagination.js";
import { pullJson } from "../serializers/pull-json.js";
import type { IssueRecord, RepoRecord } from "../state/records.js";
import type { PullPatch } from "../state/pull-service.js";
import { filterAndSortPulls } from "./pull-list-query.js";
import { pullFor, repoFor, requirePushOrAuthor } from "./route-access.js";
import type { RouteContext, RouteDefinition, RouteResult } from "./route-types.js";
import { bodyObject, nullableString, optionalBoolean, optionalEnum, optionalString, type JsonObject } from "./request-body.js";

const DOCS = "https://docs.github.com/rest/pulls/pulls";

export const pullRoutes: RouteDefinition[] = [
  {
    operation: "GET /repos/{owner}/{repo}/pulls",
    docs: `${DOCS}#list-pull-requests`,
    async handle(ctx) {
      const repo = repoFor(ctx, "read");
      const pulls = filterAndSortPulls(repo, ctx.query);
      const page = paginate(pulls, ctx.query, ctx.selfUrl);
      await ctx.services.pulls.refreshAll(repo, page.items);
      const body = page.items.map((issue) => pullJson(ctx.services.json, repo, issue));
      return { status: 200, body, ...(page.link ? { headers: { link: page.link } } : {}) };
    },
  },
  {
    operation: "POST /repos/{owner}/{repo}/pulls",
    docs: `${DOCS}#create-a-pull-request`,
    async handle(ctx) {
      const repo = repoFor(ctx, "write");
      const input = bodyObject(ctx.body);
      const issue = await ctx.services.pulls.create(repo, ctx.actor.login, {
        title: requiredField(input, "title"),
        head: requiredField(input, "head"),
        base: requiredField(input, "base"),
        body: nullableString(input, "body") ?? null,
        draft: optionalBoolean(input, "draft") ?? false,
        maintainerCanModify: optionalBoolean(input, "maintainer_can_modify") ?? true,
      });
      const result = await fullPull(ctx, repo, issue, 201);
      return { ...result, headers: { location: (result.body as { url: string }).url } };
    },
  },
  {
    operation: "GET /repos/{owner}/{repo}/pulls/{pull_number}",
    docs: `${DOCS}#get-a-pull-request`,
    async handle(ctx) {
      const repo = repoFor(ctx, "read");
      const issue = pullFor(ctx, repo);
      await ctx.services.pulls.refresh(repo, issue);
      return fullPull(ctx, repo, issue, 200);
    },
  },
  {
    operation: "PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
    docs: `${DOCS}#update-a-pull-request`,
    async handle(ctx) {
      const repo = repoFor(ctx, "write");
      const issue = pullFor(ctx, repo);
      requirePushOrAuthor(ctx, repo, issue.author);
      await ctx.services.pulls.update(repo, issue, ctx.actor.login, pullPatch(bodyObject(ctx.body)));
      return fullPull(ctx, repo, issue, 200);
    },
  },
];

async function fullPull(ctx: RouteContext, repo: RepoRecord, issue: IssueRecord, status: number): Promise<RouteResult> {
  const details = await ctx.services.pulls.details(repo, issue);
  return { status, body: pullJson(ctx.services.json, repo, issue, details) };
}

/** Missing pull request fields are a resource error on GitHub, not a schema error. */
function requiredField(input: JsonObject, field: string): string {
  const value = optionalString(input, field);
  if (value === undefined || value === "") throw validationFailed([{ resource: "PullRequest", code: "missing_field", field }]);
  return value;
}

function pullPatch(input: JsonObject): PullPatch {
  const patch: PullPatch = {};
  const title = optionalString(input, "title");
  if (title !== undefined) patch.title = title;
  const body = nullableString(input, "body");
  if (body !== undefined) patch.body = body;
  const state = optionalEnum(input, "state", ["open", "closed"] as const);
  if (state !== undefined) patch.state = state;
  const base = optionalString(input, "base");
  if (base !== undefined) patch.base = base;
  return patch;
}
