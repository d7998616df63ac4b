import type { GitRemoteErrorKind } from "@agent-runner/core";

/** libgit2 error codes (git2/errors.h) that say something by themselves. */
const LIBGIT2_EAUTH = -16;
const LIBGIT2_ENONFASTFORWARD = -11;
const LIBGIT2_EEOF = -20;
const LIBGIT2_TIMEOUT = -37;

// Order matters: the first matching rule wins.
const MESSAGE_RULES: ReadonlyArray<readonly [RegExp, GitRemoteErrorKind]> = [
  [/status code: 401|authentication replays|authentication required|unauthori[sz]ed|bad credentials/i, "auth"],
  [/status code: 403|forbidden|permission to .* denied/i, "forbidden"],
  [/status code: 404|repository not found|not a git repository|does not appear to be a git repository/i, "not_found"],
  [/non-?fast-?forward|fetch first|not present locally|stale info/i, "non_fast_forward"],
  // Redirects to another host are refused (see remote-by-url.ts): the server is set up so, a retry changes nothing.
  [/cannot redirect from|unexpected redirect|redirect without location/i, "rejected"],
  [
    /status code: 5\d\d|timed? ?out|connection (?:reset|refused|closed|aborted)|hang ?up|hung up|early eof|unexpected eof|\beof\b|broken pipe|failed to (?:connect|send|resolve|receive)|could not (?:connect|resolve)|socket|network|ssl|tls|curl/i,
    "network",
  ],
  [/declined|rejected|denied|protected branch|refusing|status code: 4\d\d/i, "rejected"],
];

/**
 * Maps a libgit2 failure of a remote operation to the kind the error
 * classifier understands. `undefined` means the message does not look like a
 * remote failure at all (a corrupt local repository, a bug), which callers
 * handle differently.
 */
export function gitFailureKind(message: string, errno?: number): GitRemoteErrorKind | undefined {
  if (errno === LIBGIT2_EAUTH) return "auth";
  if (errno === LIBGIT2_ENONFASTFORWARD) return "non_fast_forward";
  for (const [pattern, kind] of MESSAGE_RULES) if (pattern.test(message)) return kind;
  if (errno === LIBGIT2_EEOF || errno === LIBGIT2_TIMEOUT) return "network";
  return undefined;
}

/**
 * Kind for a ref the server refused during a push (the `status` of push_update_reference).
 * A ref that moved or was created between our fetch and our push ("failed to
 * update ref", lock failures) is a race, not a refusal: a retry re-reads it.
 */
export function pushRejectionKind(status: string): GitRemoteErrorKind {
  return /non-?fast-?forward|fetch first|stale info|failed to (?:update|lock) ref|cannot lock ref|incorrect old value|already exists/i.test(
    status,
  )
    ? "non_fast_forward"
    : "rejected";
}
