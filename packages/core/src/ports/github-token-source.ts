/**
 * Where GitHub credentials come from: a fixed token, or a GitHub App whose
 * installation tokens expire after an hour and are minted again before then.
 * Every caller asks for the token at the moment it sends a request.
 */
export interface GitHubTokenSource {
  /** A token that stays valid for a while yet. */
  token(): Promise<string>;
  /**
   * The login what this identity creates is authored by, when GET /user
   * cannot tell (an installation token gets 403 there): `<app-slug>[bot]`.
   */
  botLogin?(): Promise<string>;
  /** Names the identity (never the token itself), e.g. for per-identity budgets: `token:<hash>`, `app:<id>:<installation>`. */
  readonly identityKey: string;
}
