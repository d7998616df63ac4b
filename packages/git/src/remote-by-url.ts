import NodeGit from "nodegit";

/** libgit2 constants (git2/remote.h, git2/proxy.h). */
const CREATE_SKIP_INSTEADOF = 1;
const CREATE_SKIP_DEFAULT_FETCHSPEC = 2;
const PROXY_NONE = 0;
const REDIRECT_NONE = 1;

/**
 * What network operations pass to libgit2: no proxy (http.proxy and
 * remote.*.proxy from any config are ignored) and no redirect to another host.
 * libgit2 asks the credentials callback with the URL it was given, not the one
 * it was redirected to, so a followed redirect would hand the token to
 * whichever host the Location names. Same-host redirects (a renamed
 * repository) are still followed: libgit2 compares hosts, not ports.
 */
export const PUSH_NETWORK_OPTIONS = { proxyOpts: { type: PROXY_NONE }, followRedirects: REDIRECT_NONE } as const;

/** nodegit's fetch options cannot say followRedirects: see refuseFetchRedirects. */
export const FETCH_NETWORK_OPTIONS = { proxyOpts: { type: PROXY_NONE } } as const;

type CreateWithOpts = (url: string, opts: { repository: NodeGit.Repository; flags: number }) => Promise<NodeGit.Remote>;

/**
 * A remote for exactly `url` on `repo`. It has no name, so no `remote.<name>.*`
 * setting (url, pushurl, proxy) applies, and it skips `url.*.insteadOf` and
 * `pushInsteadOf` rewriting, which Remote.createAnonymous would apply from
 * the repository's config. Fetch with explicit refspecs.
 */
export function remoteForUrl(repo: NodeGit.Repository, url: string): Promise<NodeGit.Remote> {
  // Missing from the typings.
  const createWithOpts = (NodeGit.Remote as unknown as { createWithOpts: CreateWithOpts }).createWithOpts;
  return createWithOpts(url, { repository: repo, flags: CREATE_SKIP_INSTEADOF | CREATE_SKIP_DEFAULT_FETCHSPEC });
}

/**
 * nodegit's fetch options have no followRedirects field, so libgit2 reads
 * `http.followRedirects` from the repository's config for fetches. Written
 * into every repository the worker fetches into over the network, before each
 * fetch, so a config written meanwhile cannot turn it back on.
 */
export async function refuseFetchRedirects(repo: NodeGit.Repository): Promise<void> {
  const config = await repo.config();
  await config.setString("http.followRedirects", "false");
}
