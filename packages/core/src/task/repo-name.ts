export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

// GitHub's own rules: owners are alphanumerics and single hyphens (max 39),
// repository names are alphanumerics, '.', '_' and '-' (max 100), never '.' or '..'.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

export function parseRepoRef(value: string): RepoRef | undefined {
  const parts = value.trim().split("/");
  if (parts.length !== 2) return undefined;
  const [owner, repo] = parts as [string, string];
  if (!OWNER.test(owner) || !NAME.test(repo)) return undefined;
  if (repo === "." || repo === ".." || repo.endsWith(".git")) return undefined;
  return { owner, repo };
}

export function formatRepoRef(ref: RepoRef): string {
  return `${ref.owner}/${ref.repo}`;
}

/**
 * `ALLOWED_TARGET_REPOS` globs: `*` matches within one path segment, compared
 * case-insensitively because GitHub names are.
 */
export function isRepoAllowed(ref: RepoRef, globs: readonly string[]): boolean {
  const name = formatRepoRef(ref).toLowerCase();
  return globs.some((glob) => globToRegExp(glob.toLowerCase()).test(name));
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*");
  return new RegExp(`^${escaped}$`);
}
