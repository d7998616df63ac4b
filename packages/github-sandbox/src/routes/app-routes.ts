import { notFound } from "../api/api-error.js";
import { toGitHubTime } from "../github-time.js";
import { APP_PERMISSIONS, appJson, installationJson } from "../serializers/app-json.js";
import type { AppRecord } from "../state/app-directory.js";
import type { RouteContext, RouteDefinition } from "./route-types.js";

/** The endpoints a GitHub App calls with its JWT (every one sets `jwt`). */
export const appRoutes: RouteDefinition[] = [
  {
    operation: "GET /app",
    docs: "https://docs.github.com/rest/apps/apps#get-the-authenticated-app",
    jwt: true,
    handle(ctx) {
      return { status: 200, body: appJson(ctx.services.json, jwtApp(ctx)) };
    },
  },
  {
    operation: "GET /repos/{owner}/{repo}/installation",
    docs: "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app",
    jwt: true,
    handle(ctx) {
      const app = jwtApp(ctx);
      const repo = ctx.services.state.findRepo(ctx.params["owner"] ?? "", ctx.params["repo"] ?? "");
      if (!repo || app.installation.account.toLowerCase() !== repo.owner.toLowerCase()) throw notFound();
      return { status: 200, body: installationJson(ctx.services.json, app) };
    },
  },
  {
    operation: "POST /app/installations/{installation_id}/access_tokens",
    docs: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app",
    jwt: true,
    handle(ctx) {
      const app = jwtApp(ctx);
      if (String(app.installation.id) !== ctx.params["installation_id"]) throw notFound();
      const { token, expiresAt } = ctx.services.state.apps.mintInstallationToken(app);
      return {
        status: 201,
        body: { token, expires_at: toGitHubTime(expiresAt), permissions: APP_PERMISSIONS, repository_selection: "all" },
      };
    },
  },
];

function jwtApp(ctx: RouteContext): AppRecord {
  const app = ctx.actor.appId === undefined ? undefined : ctx.services.state.apps.byId(ctx.actor.appId);
  if (!app) throw notFound();
  return app;
}
