import { toGitHubTime } from "../github-time.js";
import { accountJson } from "../serializers/user-json.js";
import type { RouteDefinition } from "./route-types.js";

export const userRoutes: RouteDefinition[] = [
  {
    operation: "GET /user",
    docs: "https://docs.github.com/rest/users/users#get-the-authenticated-user",
    handle(ctx) {
      const account = ctx.services.state.users.ensure(ctx.actor.login);
      const created = toGitHubTime(account.createdAt);
      // GitHub's public-user view; enough for a client to learn who its token is.
      const body = {
        ...accountJson(ctx.services.json, account),
        name: null,
        company: null,
        blog: "",
        location: null,
        email: null,
        hireable: null,
        bio: null,
        twitter_username: null,
        public_repos: 0,
        public_gists: 0,
        followers: 0,
        following: 0,
        created_at: created,
        updated_at: created,
      };
      return { status: 200, body };
    },
  },
];
