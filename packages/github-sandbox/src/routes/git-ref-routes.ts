import { ApiError } from "../api/api-error.js";
import type { RepoRecord } from "../state/records.js";
import { repoFor, requirePush } from "./route-access.js";
import type { RouteContext, RouteDefinition } from "./route-types.js";

const DOCS = "https://docs.github.com/rest/git/refs";

/**
 * Branch refs, as GitHub's Git database API serves them. `{ref}` is `heads/<name>`: it may hold
 * slashes, raw or encoded as %2F, as GitHub takes both. Only branches exist in the sandbox.
 */
export const gitRefRoutes: RouteDefinition[] = [
  {
    operation: "GET /repos/{owner}/{repo}/git/matching-refs/{ref}",
    docs: `${DOCS}#list-matching-references`,
    async handle(ctx) {
      const repo = repoFor(ctx, "read");
      const ref = ctx.params["ref"] ?? "";
      // Matching is a plain prefix of the full name; anything outside refs/heads matches nothing here.
      const wanted = `refs/${ref}`;
      const branches = ref.startsWith("heads/") ? await ctx.services.state.git(repo).branches() : [];
      const body = branches
        .map((branch) => ({ ref: `refs/heads/${branch.name}`, sha: branch.sha }))
        .filter((branch) => branch.ref.startsWith(wanted))
        .sort((a, b) => a.ref.localeCompare(b.ref))
        .map((branch) => refJson(ctx, repo, branch.ref, branch.sha));
      return { status: 200, body };
    },
  },
  {
    operation: "DELETE /repos/{owner}/{repo}/git/refs/{ref}",
    docs: `${DOCS}#delete-a-reference`,
    async handle(ctx) {
      const repo = repoFor(ctx, "write");
      requirePush(ctx, repo);
      const ref = ctx.params["ref"] ?? "";
      const branch = ref.startsWith("heads/") ? ref.slice("heads/".length) : undefined;
      const git = ctx.services.state.git(repo);
      if (branch === undefined || branch === "" || (await git.revParse(`refs/heads/${branch}`)) === undefined) {
        throw new ApiError(422, "Reference does not exist");
      }
      await git.deleteBranch(branch);
      repo.pushedAt = Date.now();
      return { status: 204 };
    },
  },
];

function refJson(ctx: RouteContext, repo: RepoRecord, ref: string, sha: string) {
  const api = `${ctx.services.json.urls.api}/repos/${repo.owner}/${repo.name}/git`;
  return {
    ref,
    node_id: Buffer.from(`03:Ref${repo.id}:${ref}`).toString("base64"),
    url: `${api}/${ref}`,
    object: { sha, type: "commit", url: `${api}/commits/${sha}` },
  };
}
