import NodeGit from "nodegit";
import { GitRemoteError, type GitRemoteErrorKind } from "@agent-runner/core";
import { createAbortError, throwIfAborted } from "./abort-error.js";
import { gitFailureKind, pushRejectionKind } from "./git-failure-kind.js";
import { redactSecret } from "./redact-secret.js";

/**
 * libgit2 replays the credentials callback about fifteen times on a refused
 * token before failing; one retry covers a server that challenges twice.
 */
const MAX_CREDENTIAL_ATTEMPTS = 2;
const PROGRESS_THROTTLE_MS = 100;

/**
 * The token for the next network operation, asked for when it starts: a GitHub
 * App's installation token changes every hour. A plain string is a fixed token.
 */
export type GitToken = string | (() => Promise<string>);

async function resolveGitToken(token: GitToken): Promise<string> {
  return typeof token === "string" ? token : token();
}

export interface RemoteOperationOptions {
  readonly token: GitToken;
  /**
   * The repository's clone URL as the API gave it. The token goes only to its
   * origin (scheme, host and port); libgit2 asking credentials for any other
   * URL fails the operation.
   */
  readonly cloneUrl: string;
  /** What the operation is, for error messages: "clone", "fetch", "push". */
  readonly operation: string;
  readonly signal?: AbortSignal | undefined;
  /**
   * Kind to report when libgit2's message is not recognised. Without one, an
   * unrecognised failure comes back as a plain Error (see UnrecognisedGitFailure).
   */
  readonly fallbackKind?: GitRemoteErrorKind;
}

/** A remote failure whose message matched nothing known: maybe not remote at all. */
class UnrecognisedGitFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UnrecognisedGitFailure";
  }
}

/**
 * Runs one network operation with fresh callbacks (credentials, cancellation,
 * push results) and turns whatever libgit2 throws into a GitRemoteError whose
 * message cannot contain the token.
 */
export async function runRemoteOperation<T>(
  options: RemoteOperationOptions,
  operation: (callbacks: NodeGit.RemoteCallbacks) => Promise<T>,
): Promise<T> {
  throwIfAborted(options.signal);
  const session = new RemoteSession(await resolveGitToken(options.token), options.cloneUrl, options.signal);
  throwIfAborted(options.signal);
  let result: T;
  try {
    result = await operation(session.callbacks());
  } catch (error) {
    if (options.signal?.aborted) throw createAbortError(options.signal);
    throw translateFailure(error, session, options);
  }
  throwIfAborted(options.signal);
  session.throwIfRefsRejected(options.operation);
  return result;
}

class RemoteSession {
  credentialAttempts = 0;
  /** The origin libgit2 asked credentials for that is not the clone URL's, if any. */
  refusedOrigin: string | undefined;
  readonly allowedOrigin: string | undefined;
  private readonly rejectedRefs: Array<{ ref: string; status: string }> = [];

  constructor(
    private readonly token: string,
    cloneUrl: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.allowedOrigin = httpOrigin(cloneUrl);
  }

  get gaveUpOnCredentials(): boolean {
    return this.credentialAttempts > MAX_CREDENTIAL_ATTEMPTS;
  }

  callbacks(): NodeGit.RemoteCallbacks {
    const callbacks = {
      credentials: (url: string): NodeGit.Credential | null => {
        const origin = httpOrigin(url);
        if (origin === undefined || origin !== this.allowedOrigin) {
          this.refusedOrigin = origin ?? describeUrl(url);
          return null;
        }
        this.credentialAttempts += 1;
        // null makes libgit2 fail at once with "authentication required" (GIT_EAUTH);
        // returning an Error instead surfaces an unrelated stale libgit2 message.
        if (this.gaveUpOnCredentials) return null;
        return NodeGit.Credential.userpassPlaintextNew("x-access-token", this.token);
      },
      // A non-zero return from a progress callback makes libgit2 stop the transfer.
      transferProgress: { callback: () => this.abortCode(), throttle: PROGRESS_THROTTLE_MS, waitForResult: true },
      pushTransferProgress: { callback: () => this.abortCode(), throttle: PROGRESS_THROTTLE_MS, waitForResult: true },
      pushUpdateReference: (ref: string, status: string): void => {
        // nodegit passes "" for a ref the server accepted.
        if (status) this.rejectedRefs.push({ ref, status });
      },
    };
    // The typings lack pushUpdateReference and callback specifiers.
    return callbacks as unknown as NodeGit.RemoteCallbacks;
  }

  throwIfRefsRejected(operation: string): void {
    const first = this.rejectedRefs[0];
    if (first === undefined) return;
    const detail = this.rejectedRefs.map((r) => `${r.ref}: ${r.status}`).join("; ");
    throw new GitRemoteError(
      pushRejectionKind(first.status),
      this.redact(`git ${operation} rejected by the server (${detail})`),
    );
  }

  redact(text: string): string {
    return redactSecret(text, this.token);
  }

  private abortCode(): number {
    return this.signal?.aborted ? -1 : 0;
  }
}

function translateFailure(error: unknown, session: RemoteSession, options: RemoteOperationOptions): Error {
  const raw = error instanceof Error ? error.message : String(error);
  const errno = typeof (error as { errno?: unknown })?.errno === "number" ? (error as { errno: number }).errno : undefined;
  const message = session.redact(raw);
  // A sanitised copy: the original may carry fields we do not control.
  const cause = Object.assign(new Error(message), { errno });
  if (session.refusedOrigin !== undefined) {
    return new GitRemoteError(
      "auth",
      session.redact(
        `git ${options.operation} refused: credentials were requested for ${session.refusedOrigin}, ` +
          `but only the repository's own origin ${session.allowedOrigin ?? "(none: the clone URL is not http or https)"} gets them`,
      ),
      { cause },
    );
  }
  const kind = session.gaveUpOnCredentials ? "auth" : (gitFailureKind(message, errno) ?? options.fallbackKind);
  if (kind === undefined) return new UnrecognisedGitFailure(`git ${options.operation} failed: ${message}`, { cause });
  const suffix = session.gaveUpOnCredentials ? ` (credentials refused ${session.credentialAttempts - 1} times)` : "";
  return new GitRemoteError(kind, `git ${options.operation} failed: ${message}${suffix}`, { cause });
}

/**
 * "scheme://host:port" of an http(s) URL, the default port made explicit and
 * the host lower-cased (WHATWG URL parsing), or undefined for anything else.
 */
export function httpOrigin(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const defaultPort = { "http:": "80", "https:": "443" }[parsed.protocol];
  if (defaultPort === undefined || parsed.hostname === "") return undefined;
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port === "" ? defaultPort : parsed.port}`;
}

/** What to call a URL that has no http(s) origin, without its user info or path. */
function describeUrl(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  return scheme === undefined ? "a URL that is not http or https" : `a ${scheme}: URL`;
}
