import type { RouteDefinition } from "./route-types.js";

export const rateLimitRoutes: RouteDefinition[] = [
  {
    operation: "GET /rate_limit",
    docs: "https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user",
    handle(ctx) {
      const core = ctx.services.primaryLimit.peek(ctx.actor.login);
      const untouched = (limit: number) => ({ limit, used: 0, remaining: limit, reset: core.reset });
      const resources = {
        core,
        search: untouched(30),
        graphql: untouched(5000),
        integration_manifest: untouched(5000),
        source_import: untouched(100),
        actions_runner_registration: untouched(10000),
        scim: untouched(15000),
        dependency_snapshots: untouched(100),
        code_search: untouched(10),
      };
      return { status: 200, body: { resources, rate: core } };
    },
  },
];
