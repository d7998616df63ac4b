/**
 * What the GitHub adapter throws for a non-2xx answer, stripped of the request
 * (whose headers carry the token). Ports see this, never Octokit's RequestError.
 */
export class GitHubApiError extends Error {
  readonly status: number;
  /** Seconds GitHub asked us to wait (retry-after or x-ratelimit-reset), if any. */
  readonly retryAfterSeconds: number | undefined;
  readonly rateLimited: boolean;
  readonly route: string;

  constructor(input: {
    status: number;
    message: string;
    route: string;
    retryAfterSeconds?: number | undefined;
    rateLimited?: boolean;
  }) {
    super(`GitHub ${input.route} answered ${input.status}: ${input.message}`);
    this.name = "GitHubApiError";
    this.status = input.status;
    this.route = input.route;
    this.retryAfterSeconds = input.retryAfterSeconds;
    this.rateLimited = input.rateLimited ?? false;
  }
}
