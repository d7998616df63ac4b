import type { GitHubTokenSource } from "@agent-runner/core";

interface EndpointRequest {
  (options: Record<string, unknown>): Promise<unknown>;
  endpoint: { merge(route: unknown, parameters?: unknown): Record<string, unknown> & { headers: Record<string, string> } };
}

/**
 * An Octokit auth strategy that asks the source for the token on every
 * request, so a renewed installation token is used from the next request on.
 */
export function tokenSourceAuth(source: GitHubTokenSource) {
  const auth = async () => ({ type: "token", tokenType: "installation", token: await source.token() });
  return Object.assign(auth, {
    hook: async (request: EndpointRequest, route: unknown, parameters?: unknown) => {
      const endpoint = request.endpoint.merge(route, parameters);
      endpoint.headers["authorization"] = `token ${await source.token()}`;
      return request(endpoint);
    },
  });
}
