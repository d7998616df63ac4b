import { paginate } from "../api/pagination.js";
import { issueJson, singleIssueJson } from "../serializers/issue-json.js";
import type { IssuePatch } from "../state/issue-service.js";
import type { RepoRecord } from "../state/records.js";
import { filterAndSortIssues } from "./issue-list-query.js";
import { canPush, issueFor, repoFor, requirePushOrAuthor } from "./route-access.js";
import type { RouteContext, RouteDefinition } from "./route-types.js";
import { bodyObject, labelNames, nullableString, optionalEnum, optionalString, requiredString } from "./request-body.js";

const DOCS = "https://docs.github.com/rest/issues/issues";

export const issueRoutes: RouteDefinition[] = [
  {
    operation: "GET /repos/{owner}/{repo}/issues",
    docs: `${DOCS}#list-repository-issues`,
    handle(ctx) {
      const repo = repoFor(ctx, "read");
      // Pull requests are issues too: GitHub lists them here, marked by a `pull_request` key.
      const issues = filterAndSortIssues([...repo.issues.values()], ctx.query);
      const page = paginate(issues, ctx.query, ctx.selfUrl);
      const body = page.items.map((issue) => issueJson(ctx.services.json, repo, issue));
      return { status: 200, body, ...(page.link ? { headers: { link: page.link } } : {}) };
    },
  },
  {
    operation: "POST /repos/{owner}/{repo}/issues",
    docs: `${DOCS}#create-an-issue`,
    handle(ctx) {
      const repo = repoFor(ctx, "write");
      const input = bodyObject(ctx.body);
      const title = requiredString(input, "title");
      const body = nullableString(input, "body") ?? null;
      // GitHub silently drops labels (and assignees, milestone) from users without push access.
      const labels = canPush(ctx, repo) ? (labelNames(input["labels"]) ?? []) : [];
      const issue = ctx.services.issues.create(repo, ctx.actor.login, { title, body, labels });
      const json = singleIssueJson(ctx.services.json, repo, issue);
      return { status: 201, body: json, headers: { location: json.url } };
    },
  },
  {
    operation: "GET /repos/{owner}/{repo}/issues/{issue_number}",
    docs: `${DOCS}#get-an-issue`,
    handle(ctx) {
      const repo = repoFor(ctx, "read");
      return { status: 200, body: singleIssueJson(ctx.services.json, repo, issueFor(ctx, repo)) };
    },
  },
  {
    operation: "PATCH /repos/{owner}/{repo}/issues/{issue_number}",
    docs: `${DOCS}#update-an-issue`,
    handle(ctx) {
      const repo = repoFor(ctx, "write");
      const issue = issueFor(ctx, repo);
      requirePushOrAuthor(ctx, repo, issue.author);
      ctx.services.issues.update(repo, issue, ctx.actor.login, issuePatch(ctx, repo));
      return { status: 200, body: singleIssueJson(ctx.services.json, repo, issue) };
    },
  },
];

function issuePatch(ctx: RouteContext, repo: RepoRecord): IssuePatch {
  const input = bodyObject(ctx.body);
  const patch: IssuePatch = {};
  const title = optionalString(input, "title");
  if (title !== undefined) patch.title = title;
  const body = nullableString(input, "body");
  if (body !== undefined) patch.body = body;
  const state = optionalEnum(input, "state", ["open", "closed"] as const);
  if (state !== undefined) patch.state = state;
  const stateReason = optionalEnum(input, "state_reason", ["completed", "not_planned", "reopened"] as const);
  if (stateReason !== undefined) patch.stateReason = stateReason;
  const labels = labelNames(input["labels"]);
  if (labels !== undefined && canPush(ctx, repo)) patch.labels = labels;
  return patch;
}
