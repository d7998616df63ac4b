import { fullRepoJson } from "../serializers/repo-json.js";
import { repoFor } from "./route-access.js";
import type { RouteDefinition } from "./route-types.js";

export const repoRoutes: RouteDefinition[] = [
  {
    operation: "GET /repos/{owner}/{repo}",
    docs: "https://docs.github.com/rest/repos/repos#get-a-repository",
    handle(ctx) {
      const repo = repoFor(ctx, "read");
      return { status: 200, body: fullRepoJson(ctx.services.json, repo, ctx.actor.login) };
    },
  },
];
