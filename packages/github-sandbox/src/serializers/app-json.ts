import { toGitHubTime } from "../github-time.js";
import type { AppRecord } from "../state/app-directory.js";
import { nodeId } from "../state/id-sequence.js";
import type { JsonContext } from "./json-context.js";
import { userJson } from "./user-json.js";

/** What every sandbox App may do: what the runner needs (README, "GitHub App"). */
export const APP_PERMISSIONS = { issues: "write", contents: "write", pull_requests: "write", metadata: "read" };
const APP_EVENTS = ["issues", "issue_comment"];

/** GitHub's `integration`. */
export function appJson(ctx: JsonContext, app: AppRecord): Record<string, unknown> {
  const created = toGitHubTime(app.createdAt);
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId("Integration", app.id),
    client_id: `Iv1.${app.id.toString(16).padStart(16, "0")}`,
    owner: userJson(ctx, ctx.state.users.roles.owner),
    name: app.name,
    description: null,
    external_url: `${ctx.urls.origin}/apps/${app.slug}`,
    html_url: `${ctx.urls.origin}/apps/${app.slug}`,
    created_at: created,
    updated_at: created,
    permissions: APP_PERMISSIONS,
    events: APP_EVENTS,
    installations_count: 1,
  };
}

/** GitHub's `installation`. */
export function installationJson(ctx: JsonContext, app: AppRecord): Record<string, unknown> {
  const { id, account } = app.installation;
  const target = ctx.state.users.ensure(account);
  const created = toGitHubTime(app.createdAt);
  return {
    id,
    account: userJson(ctx, account),
    repository_selection: "all",
    access_tokens_url: `${ctx.urls.api}/app/installations/${id}/access_tokens`,
    repositories_url: `${ctx.urls.api}/installation/repositories`,
    html_url: `${ctx.urls.origin}/settings/installations/${id}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: target.id,
    target_type: target.type,
    permissions: APP_PERMISSIONS,
    events: APP_EVENTS,
    created_at: created,
    updated_at: created,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}
