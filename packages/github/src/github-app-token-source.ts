import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import type { GitHubTokenSource, RepoRef, SecretSet } from "@agent-runner/core";
import { RefreshingToken } from "./refreshing-token.js";

export interface GitHubAppTokenSourceOptions {
  readonly appId: number;
  /** PEM. */
  readonly privateKey: string;
  /** Found from `installationRepo` (GET /repos/{owner}/{repo}/installation) when not given. */
  readonly installationId?: number | undefined;
  readonly installationRepo: RepoRef;
  readonly baseUrl: string;
  /** Every installation token is added here before it is used, so logs and error texts scrub it. */
  readonly secrets?: SecretSet;
  readonly refreshBeforeMs?: number;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

/**
 * The runner as a GitHub App: a JWT signed with the App's key (through
 * @octokit/auth-app) identifies the App; installation tokens, minted with it
 * and renewed before their hour is up, do the work.
 */
export class GitHubAppTokenSource implements GitHubTokenSource {
  readonly identityKey: string;
  private readonly octokit: Octokit;
  private readonly refreshing: RefreshingToken;
  private installationId: number | undefined;
  private login: Promise<string> | undefined;

  constructor(private readonly options: GitHubAppTokenSourceOptions) {
    this.installationId = options.installationId;
    // Rate limits are per installation, and an installation is per account: without its id, the account names it.
    this.identityKey = `app:${options.appId}:${options.installationId ?? options.installationRepo.owner}`;
    this.octokit = new Octokit({
      authStrategy: createAppAuth,
      auth: { appId: options.appId, privateKey: options.privateKey },
      baseUrl: options.baseUrl,
      userAgent: "agent-runner",
      request: options.fetch === undefined ? {} : { fetch: options.fetch },
    });
    this.refreshing = new RefreshingToken({
      mint: () => this.mint(),
      ...(options.refreshBeforeMs === undefined ? {} : { refreshBeforeMs: options.refreshBeforeMs }),
      ...(options.now === undefined ? {} : { now: options.now }),
      onToken: (token) => options.secrets?.add(token),
    });
  }

  token(): Promise<string> {
    return this.refreshing.get();
  }

  /** `<app-slug>[bot]`, from GET /app (with the JWT), learned once. */
  botLogin(): Promise<string> {
    this.login ??= this.octokit.request("GET /app").then(({ data }) => {
      if (data === null || typeof data.slug !== "string") throw new Error("GET /app answered without the App's slug");
      return `${data.slug}[bot]`;
    });
    this.login.catch(() => (this.login = undefined));
    return this.login;
  }

  private async mint(): Promise<{ token: string; expiresAt: number }> {
    const installationId = await this.installation();
    // refresh: auth-app caches tokens for 59 minutes whatever their expiry; this class decides when to renew.
    const auth = (await this.octokit.auth({ type: "installation", installationId, refresh: true })) as {
      token: string;
      expiresAt: string;
    };
    return { token: auth.token, expiresAt: Date.parse(auth.expiresAt) };
  }

  private async installation(): Promise<number> {
    if (this.installationId !== undefined) return this.installationId;
    const { owner, repo } = this.options.installationRepo;
    const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/installation", { owner, repo });
    this.installationId = data.id;
    return data.id;
  }
}
