import type { RegisterAppInput, RegisteredApp } from "./state/app-directory.js";
import type { ResponseValidator } from "./openapi/openapi-validator.js";

export type * from "./github-shapes.js";
import type { AuthorAssociation, Comment, CreateReviewCommentInput, Issue, Pull, RepoInfo, ReviewComment } from "./github-shapes.js";

/** One login per built-in role; see README "Users, tokens and permissions". */
export interface SandboxRoles<T> {
  /** Admin of every repository (and member of every organization that owns one). */
  owner: T;
  /** Can read every repository, private ones included; its token is read-only (403 on any write or push). */
  readOnly: T;
  /** No access: reads public repositories, 404 on private ones, 403 on writes that need push access. */
  outsider: T;
}

export interface RateLimitOptions {
  /** Requests per window, per user (GitHub: 5000/hour for a user token). */
  limit: number;
  /** Default 3600. */
  windowSeconds?: number;
  /** Status of a rate-limited response: GitHub sends 403 or 429. Default 403. */
  status?: 403 | 429;
}

export interface SecondaryLimitOptions {
  /** Content-creating requests (POST/PATCH/PUT/DELETE) allowed per user per window. */
  writes: number;
  windowSeconds: number;
  /** `retry-after` header value; default windowSeconds. */
  retryAfterSeconds?: number;
}

export interface SandboxOptions {
  /** 0 or undefined: a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Origin clients reach the sandbox at (e.g. `http://sandbox:8080` inside a compose network);
   * every URL the sandbox hands out (clone_url, html_url, Link headers) uses it. Default: the listen address.
   */
  publicUrl?: string;
  /** Where bare repositories live; default a fresh temporary directory, removed on close(). */
  dataDir?: string;
  /** Added before answering each API request; default 0. */
  latencyMs?: number;
  /**
   * Validate every API response against GitHub's OpenAPI description and record violations
   * (see `admin.violations()`). `true` loads the validator (a dev dependency) at start-up;
   * a validator built with `createOpenApiValidator()` can be passed to share one.
   */
  validateResponses?: boolean | ResponseValidator;
  /** Logins of the built-in users (defaults octo-owner, octo-reader, octo-outsider). */
  users?: Partial<SandboxRoles<string>>;
  /** Fixed tokens for the built-in users (default: random `ghp_…` tokens). */
  tokens?: Partial<SandboxRoles<string>>;
  /** Token for `/_admin` (default random); the owner token is accepted there too. */
  adminToken?: string;
  /** Primary rate limit; default 5000 requests per hour, answered with 403. */
  rateLimit?: RateLimitOptions;
}

export interface Sandbox {
  /** Octokit `baseUrl`, e.g. `http://127.0.0.1:PORT/api/v3` (no trailing slash). */
  apiUrl: string;
  /** e.g. `http://127.0.0.1:PORT/git`; a repository's clone_url is `${gitUrl}/${owner}/${repo}.git`. */
  gitUrl: string;
  /** e.g. `http://127.0.0.1:PORT/_admin`, for `createAdminClient`. */
  adminUrl: string;
  adminToken: string;
  /** Where the bare repositories are: `<dataDir>/<owner>/<repo>.git`. */
  dataDir: string;
  tokens: SandboxRoles<string>;
  users: SandboxRoles<string>;
  admin: SandboxAdmin;
  /** Stops the server, kills in-flight git processes, removes the data directory if the sandbox created it. */
  close(): Promise<void>;
}

export interface RequestLogEntry {
  kind: "api" | "git";
  method: string;
  /** Route template, e.g. `POST /repos/{owner}/{repo}/pulls`; `UNKNOWN` for paths the sandbox does not serve. */
  route: string;
  /** Path below the API root (`/repos/acme/target/issues`) or the full git path (`/git/acme/target.git/info/refs`). */
  path: string;
  query: string;
  /** Status sent; 0 when a drop fault destroyed the connection. */
  status: number;
  /** Whether the request counted against the primary rate limit (304s, 401s and rate-limited answers do not). */
  rateLimited: boolean;
  /** Whether the request carried If-None-Match or If-Modified-Since. */
  conditional: boolean;
  /** Login of the token's user, when the token was valid. */
  user?: string;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  durationMs: number;
  /** Set when an injected fault answered the request. */
  fault?: "status" | "drop";
  /** Set when a rate limit answered the request. */
  limited?: "primary" | "secondary";
}

export interface FaultSpec {
  /**
   * Route template with or without the method: `POST /repos/{owner}/{repo}/pulls`, or for git
   * `GET /git/{owner}/{repo}.git/info/refs?service=git-receive-pack` /
   * `POST /git/{owner}/{repo}.git/git-receive-pack` (and the git-upload-pack pair); `*` matches any route.
   */
  route: string;
  /** Only when `route` has no method; default any method. */
  method?: string;
  /** Only requests for this exact path (e.g. `/repos/acme/target/pulls` or `/git/acme/target.git/git-receive-pack`). */
  path?: string;
  /** Default 502. */
  status?: number;
  /** How many matching requests fail; default 1; `Infinity` (or -1 over HTTP) until clearFaults(). */
  count?: number;
  /** Perform the request first, then answer the fault (a lost response). */
  afterAction?: boolean;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  /** JSON body of the fault answer (API); default GitHub's `{"message": "<status text>"}`. */
  body?: unknown;
}

export interface Violation {
  method: string;
  route: string;
  path: string;
  status: number;
  errors: unknown;
}

export interface WebhookConfig {
  url: string;
  secret: string;
}

export interface Delivery {
  id: string;
  event: string;
  action: string;
  /** Status of the receiver's answer, or "error" when the delivery failed at network level. */
  status: number | "error";
  repository: string;
  issueNumber: number;
}

export interface CreateRepoInput {
  owner: string;
  name: string;
  /** Default "main". */
  defaultBranch?: string;
  /** Committed as the initial commit; default `{ "README.md": "# <name>\n" }`; `{}` makes an empty repository. */
  files?: Record<string, string>;
  private?: boolean;
  /** Logins with push access (author_association COLLABORATOR). Unknown logins are created as users. */
  collaborators?: string[];
  description?: string | null;
}

export interface CreateIssueInput {
  title: string;
  body?: string | null;
  labels?: string[];
  /** Author login; default the owner user. Unknown logins are created as users. */
  user?: string;
  /** Override of the derived author_association. */
  authorAssociation?: AuthorAssociation;
  state?: "open" | "closed";
  /** When it was opened and last updated (default now): seeds a history of old issues. */
  openedAt?: Date;
}

export interface UpdateIssueInput {
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  /** Replaces the whole label set. */
  labels?: string[];
}

export interface CommitFilesInput {
  branch: string;
  files: Record<string, string>;
  message?: string;
  from?: string;
}

export interface CreateUserInput {
  login: string;
  /** Also mint a token for this user (returned); default true. */
  token?: boolean;
  readOnlyToken?: boolean;
}

export interface SandboxAdmin {
  createRepo(input: CreateRepoInput): Promise<RepoInfo>;
  getRepo(owner: string, repo: string): RepoInfo | undefined;
  /** Creates a user (and by default a token for it); returns the token when one was made. */
  createUser(input: CreateUserInput): { login: string; id: number; token?: string };
  /**
   * Registers a GitHub App installed on one account (default the owner user): its bot
   * `<slug>[bot]` may write to that account's repositories. Returns the App's private key.
   */
  registerApp(input: RegisterAppInput): RegisteredApp;
  /** Every installation token minted so far, oldest first: what a leak test searches outputs for. */
  installationTokens(): string[];
  /** Synchronous; emits the `issues.opened` (and `labeled`) webhooks. */
  createIssue(owner: string, repo: string, input: CreateIssueInput): Issue;
  /** Synchronous; bumps updated_at (so the issues-list ETag changes) and emits webhooks. */
  updateIssue(owner: string, repo: string, number: number, patch: UpdateIssueInput): Issue;
  /** Adds a comment as `user` (default the owner user); synchronous. */
  createComment(owner: string, repo: string, number: number, input: { body: string; user?: string }): Comment;
  /** Deletes a comment, as its author or a maintainer would on GitHub: the issue's comment count drops; its `updated_at` stays. */
  deleteComment(owner: string, repo: string, commentId: number): void;
  /**
   * Comments on a line of a pull request's diff as `user` (default the owner user), or answers a
   * thread (`inReplyTo`); synchronous; emits `pull_request_review_comment` `created`. Throws
   * (422, as GitHub) when the line is not part of the diff.
   */
  createReviewComment(owner: string, repo: string, pullNumber: number, input: CreateReviewCommentInput): ReviewComment;
  /** A pull request's review comments, oldest first. */
  listReviewComments(owner: string, repo: string, pullNumber: number): ReviewComment[];
  getIssue(owner: string, repo: string, number: number): Issue | undefined;
  /** Issues only (no pull requests), oldest first. */
  listIssues(owner: string, repo: string): Issue[];
  listComments(owner: string, repo: string, issueNumber: number): Comment[];
  /** All states, oldest first; head.sha read from the git repository now (synchronously). */
  listPulls(owner: string, repo: string): Pull[];
  getPull(owner: string, repo: string, number: number): Pull | undefined;
  /** Marks merged and closed; fast-forwards the base branch, or writes a merge commit when it merges cleanly. */
  mergePull(owner: string, repo: string, number: number): Promise<void>;
  closePull(owner: string, repo: string, number: number): void;
  listBranches(owner: string, repo: string): Promise<Array<{ name: string; sha: string }>>;
  /**
   * Commits files to a branch as if pushed; a missing branch starts from `from` (default: the
   * default branch). Returns the new commit sha.
   */
  commitFiles(owner: string, repo: string, input: CommitFilesInput): Promise<string>;
  /** Creates a branch at `from` (a branch or sha; default the default branch); returns its sha. */
  createBranch(owner: string, repo: string, branch: string, from?: string): Promise<string>;
  deleteBranch(owner: string, repo: string, branch: string): Promise<void>;
  readFile(owner: string, repo: string, ref: string, path: string): Promise<string | undefined>;
  commitCount(owner: string, repo: string, ref: string): Promise<number>;
  requestLog(): RequestLogEntry[];
  clearRequestLog(): void;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  setRateLimit(options: RateLimitOptions): void;
  setSecondaryLimit(options: SecondaryLimitOptions | null): void;
  secondaryLimitHits(): number;
  violations(): Violation[];
  setWebhook(config: WebhookConfig | null): void;
  deliveries(): Delivery[];
  /** Resolves once every webhook delivery started so far has finished. */
  flushWebhooks(): Promise<void>;
}

export type { RegisterAppInput, RegisteredApp } from "./state/app-directory.js";
