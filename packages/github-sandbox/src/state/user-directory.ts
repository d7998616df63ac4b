import { randomBytes } from "node:crypto";
import type { SandboxRoles } from "../types.js";
import { IdSequence, nodeId } from "./id-sequence.js";

export interface Account {
  login: string;
  id: number;
  nodeId: string;
  type: "User" | "Organization" | "Bot";
  createdAt: number;
}

export interface TokenGrant {
  login: string;
  /** A read-only token: every write and every push is refused with 403, whatever the user may do. */
  readOnly: boolean;
  /** Epoch ms after which the token is refused (installation tokens); none for personal tokens. */
  expiresAt?: number;
  /** Set for a GitHub App's JWT: only the App endpoints accept it. */
  appId?: number;
}

const DEFAULT_LOGINS: SandboxRoles<string> = { owner: "octo-owner", readOnly: "octo-reader", outsider: "octo-outsider" };

/** Accounts (users and organizations) and the tokens that authenticate as them. */
export class UserDirectory {
  readonly roles: SandboxRoles<string>;
  readonly tokens: SandboxRoles<string>;
  private readonly accounts = new Map<string, Account>();
  private readonly grants = new Map<string, TokenGrant>();

  constructor(
    private readonly ids: IdSequence,
    logins: Partial<SandboxRoles<string>> = {},
    tokens: Partial<SandboxRoles<string>> = {},
  ) {
    this.roles = { ...DEFAULT_LOGINS, ...logins };
    // Ids 1-3 so messages such as "API rate limit exceeded for user ID 1." read as on GitHub's own docs.
    this.tokens = {
      owner: this.addBuiltIn(this.roles.owner, 1, tokens.owner, false),
      readOnly: this.addBuiltIn(this.roles.readOnly, 2, tokens.readOnly, true),
      outsider: this.addBuiltIn(this.roles.outsider, 3, tokens.outsider, false),
    };
  }

  /** The account for a login, creating it on first use (unknown repository owners become organizations). */
  ensure(login: string, type: Account["type"] = "User"): Account {
    const existing = this.get(login);
    if (existing) return existing;
    const id = this.ids.take("user");
    const account: Account = { login, id, nodeId: nodeId(type, id), type, createdAt: Date.now() };
    this.accounts.set(login.toLowerCase(), account);
    return account;
  }

  get(login: string): Account | undefined {
    return this.accounts.get(login.toLowerCase());
  }

  grant(token: string): TokenGrant | undefined {
    const grant = this.grants.get(token);
    if (grant?.expiresAt !== undefined && Date.now() >= grant.expiresAt) return undefined;
    return grant;
  }

  mintToken(login: string, readOnly: boolean, token = newToken(), expiresAt?: number): string {
    this.grants.set(token, { login: this.ensure(login).login, readOnly, ...(expiresAt === undefined ? {} : { expiresAt }) });
    return token;
  }

  private addBuiltIn(login: string, id: number, token: string | undefined, readOnly: boolean): string {
    this.accounts.set(login.toLowerCase(), { login, id, nodeId: nodeId("User", id), type: "User", createdAt: Date.now() });
    return this.mintToken(login, readOnly, token);
  }
}

/** Shaped like a classic personal access token so log scrubbers and clients treat it as one. */
function newToken(): string {
  return `ghp_${randomBytes(18).toString("hex")}`;
}
