import type { Account } from "../state/user-directory.js";
import type { GitHubUser } from "../types.js";
import type { JsonContext } from "./json-context.js";

/** GitHub's `simple-user`. */
export function userJson(ctx: JsonContext, login: string): GitHubUser {
  const account = ctx.state.users.get(login) ?? ctx.state.users.ensure(login);
  return accountJson(ctx, account);
}

export function accountJson(ctx: JsonContext, account: Account): GitHubUser {
  // Bot logins end in "[bot]", which GitHub percent-encodes in URLs.
  const path = encodeURIComponent(account.login);
  const url = `${ctx.urls.api}/users/${path}`;
  return {
    login: account.login,
    id: account.id,
    node_id: account.nodeId,
    avatar_url: `${ctx.urls.origin}/avatars/u/${account.id}?v=4`,
    gravatar_id: "",
    url,
    html_url: `${ctx.urls.origin}/${path}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: account.type,
    user_view_type: "public",
    site_admin: false,
  };
}
