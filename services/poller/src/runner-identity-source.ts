import { RunnerIdentity, type GitHubClient } from "@agent-runner/core";

/** Who the runner is on GitHub, learned on first use and shared by every part of the poller. */
export type RunnerIdentitySource = () => Promise<RunnerIdentity>;

/**
 * The poller asks GitHub who its token is once per process (`GET /user`),
 * when something first needs to know, not at start: a start-up look-up that
 * failed would stop the poller over what only a few paths need. Callers that
 * ask while the look-up is in flight share it. A failed look-up is not kept,
 * so the next caller asks again instead of every later caller failing.
 */
export function lazyRunnerIdentity(github: Pick<GitHubClient, "getAuthenticatedLogin">): RunnerIdentitySource {
  let pending: Promise<RunnerIdentity> | undefined;
  return () => {
    if (pending !== undefined) return pending;
    const lookUp = github.getAuthenticatedLogin().then((login) => new RunnerIdentity(login));
    pending = lookUp;
    // Registered before any caller's await, so it runs first: a caller woken by the failure already finds it forgotten.
    void lookUp.catch(() => {
      if (pending === lookUp) pending = undefined;
    });
    return lookUp;
  };
}
