/**
 * Raised by the git adapter for remote operations. `kind` is what the error
 * classifier needs; the message never contains credentials.
 */
export type GitRemoteErrorKind =
  | "auth" // credentials refused (401 replays)
  | "forbidden" // authenticated but not allowed (403 on push)
  | "not_found" // remote repository does not exist
  | "rejected" // the server refused the ref update (hooks, protection)
  | "non_fast_forward"
  | "network"; // hang-ups, resets, 5xx, timeouts

export class GitRemoteError extends Error {
  readonly kind: GitRemoteErrorKind;

  constructor(kind: GitRemoteErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GitRemoteError";
    this.kind = kind;
  }
}
