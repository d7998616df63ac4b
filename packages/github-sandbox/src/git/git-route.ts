export type GitService = "git-upload-pack" | "git-receive-pack";

/** A smart-HTTP request for one repository, as routed by the sandbox. */
export interface GitRoute {
  owner: string;
  repo: string;
  service: GitService;
  /** `info/refs` (the advertisement) or the service's POST endpoint. */
  endpoint: "info/refs" | "rpc";
  /** Fault and log key, e.g. `POST /git/{owner}/{repo}.git/git-receive-pack`. */
  template: string;
}

const PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const SERVICES: readonly string[] = ["git-upload-pack", "git-receive-pack"];

/**
 * Parses the path below the git prefix. Only the smart protocol is served: dumb-HTTP paths
 * and unknown services are undefined (GitHub does not serve them either).
 */
export function parseGitRoute(method: string, gitPath: string, query: URLSearchParams): GitRoute | undefined {
  const match = PATH.exec(gitPath);
  if (!match) return undefined;
  const [, owner = "", repo = "", tail = ""] = match;
  if (tail === "info/refs") {
    const service = query.get("service") ?? "";
    if (method !== "GET" || !SERVICES.includes(service)) return undefined;
    return { owner, repo, service: service as GitService, endpoint: "info/refs", template: `GET /git/{owner}/{repo}.git/info/refs?service=${service}` };
  }
  if (method !== "POST") return undefined;
  return { owner, repo, service: tail as GitService, endpoint: "rpc", template: `POST /git/{owner}/{repo}.git/${tail}` };
}
