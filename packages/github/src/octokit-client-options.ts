import type { Logger } from "pino";
import type { GitHubRequestObserver, GitHubTokenSource, Secrets, WriteBudget } from "@agent-runner/core";

export interface OctokitGitHubClientOptions {
  /** A fixed token; ignored when `tokenSource` is given. */
  readonly token: string;
  /** Where tokens come from when they change at run time (a GitHub App's installation tokens). */
  readonly tokenSource?: GitHubTokenSource;
  /** Further secrets scrubbed from what the client publishes (installation tokens, as they are minted). */
  readonly secrets?: Secrets;
  readonly baseUrl: string;
  readonly logger: Logger;
  readonly userAgent?: string;
  readonly observer?: GitHubRequestObserver;
  readonly writeBudget?: WriteBudget;
  /** Base of the retry back-off (1 s on GitHub; tests shrink it). */
  readonly retryBaseMs?: number;
  /** Longest rate-limit wait served inside a request; longer ones fail to the job's back-off. */
  readonly maxInlineRateLimitWaitSeconds?: number;
  /** Injected for tests (Probot style); defaults to global fetch. */
  readonly fetch?: typeof fetch;
}
