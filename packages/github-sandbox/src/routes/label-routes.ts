import { ApiError, invalidRequest } from "../api/api-error.js";
import { labelJson } from "../serializers/label-json.js";
import type { LabelRecord, RepoRecord } from "../state/records.js";
import { issueFor, repoFor, requirePush } from "./route-access.js";
import type { RouteContext, RouteDefinition } from "./route-types.js";
import { labelNames } from "./request-body.js";

const DOCS = "https://docs.github.com/rest/issues/labels";

export const labelRoutes: RouteDefinition[] = [
  {
    operation: "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
    docs: `${DOCS}#add-labels-to-an-issue`,
    handle(ctx) {
      const repo = repoFor(ctx, "write");
      const issue = issueFor(ctx, repo);
      requirePush(ctx, repo);
      const labels = ctx.services.issues.addLabels(repo, issue, ctx.actor.login, requestedLabels(ctx.body));
      return { status: 200, body: labelsJson(ctx, repo, labels) };
    },
  },
  {
    operation: "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    docs: `${DOCS}#remove-a-label-from-an-issue`,
    handle(ctx) {
      const repo = repoFor(ctx, "write");
      const issue = issueFor(ctx, repo);
      requirePush(ctx, repo);
      const removed = ctx.services.issues.removeLabel(repo, issue, ctx.actor.login, ctx.params["name"] ?? "");
      if (!removed) throw new ApiError(404, "Label does not exist");
      return { status: 200, body: labelsJson(ctx, repo, issue.labels) };
    },
  },
];

/** GitHub takes `{ labels: [...] }`, a bare array, or `{ labels: [{ name }] }`. */
function requestedLabels(body: unknown): string[] {
  const raw = Array.isArray(body) ? body : (body as Record<string, unknown> | undefined)?.["labels"];
  const names = labelNames(raw);
  if (names === undefined) throw invalidRequest(`"labels" wasn't supplied.`);
  return names;
}

function labelsJson(ctx: RouteContext, repo: RepoRecord, labels: LabelRecord[]) {
  return labels.map((label) => labelJson(ctx.services.json, repo, label));
}
