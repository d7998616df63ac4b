import { generateKeyPairSync, randomBytes, verify, type KeyObject } from "node:crypto";
import { ApiError } from "../api/api-error.js";
import type { IdSequence } from "./id-sequence.js";
import type { UserDirectory } from "./user-directory.js";

export interface AppRecord {
  id: number;
  slug: string;
  name: string;
  /** `<slug>[bot]`: the author of whatever installation tokens create. */
  botLogin: string;
  publicKey: KeyObject;
  /** The account (user or organization) the App is installed on: it may write to that account's repositories. */
  installation: { id: number; account: string };
  /** How long an installation token lives (one hour on GitHub; tests shorten it). */
  tokenLifetimeMs: number;
  createdAt: number;
}

export interface RegisterAppInput {
  slug: string;
  /** The account the App is installed on; default the sandbox owner user. */
  installedOn?: string;
  /** Lifetime of installation tokens; default one hour, as on GitHub. */
  tokenLifetimeMs?: number;
}

export interface RegisteredApp {
  appId: number;
  slug: string;
  botLogin: string;
  installationId: number;
  /** PKCS#8 PEM: what GitHub lets an App owner download, for the client under test. */
  privateKey: string;
}

const HOUR_MS = 60 * 60 * 1000;
/** GitHub refuses a JWT meant to live longer than ten minutes, and allows this much clock drift on `iat`. */
const MAX_JWT_LIFETIME_S = 600;
const CLOCK_DRIFT_S = 60;

/** GitHub Apps: their keys, their one installation each, and the JWTs and installation tokens that authenticate them. */
export class AppDirectory {
  private readonly apps = new Map<number, AppRecord>();
  private readonly minted: string[] = [];

  constructor(
    private readonly users: UserDirectory,
    private readonly ids: IdSequence,
  ) {}

  register(input: RegisterAppInput): RegisteredApp {
    if (!/^[a-z0-9-]+$/.test(input.slug)) throw new Error(`Invalid app slug ${input.slug}`);
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const id = this.ids.take("app");
    const botLogin = `${input.slug}[bot]`;
    this.users.ensure(botLogin, "Bot");
    const account = this.users.ensure(input.installedOn ?? this.users.roles.owner).login;
    const app: AppRecord = {
      id,
      slug: input.slug,
      name: input.slug,
      botLogin,
      publicKey,
      installation: { id: this.ids.take("installation"), account },
      tokenLifetimeMs: input.tokenLifetimeMs ?? HOUR_MS,
      createdAt: Date.now(),
    };
    this.apps.set(id, app);
    return {
      appId: id,
      slug: app.slug,
      botLogin,
      installationId: app.installation.id,
      privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    };
  }

  byId(appId: number): AppRecord | undefined {
    return this.apps.get(appId);
  }

  byInstallation(installationId: number): AppRecord | undefined {
    return [...this.apps.values()].find((app) => app.installation.id === installationId);
  }

  /** The App whose bot this is, when it is installed on `owner`'s account. */
  installedFor(botLogin: string, owner: string): AppRecord | undefined {
    const bot = botLogin.toLowerCase();
    return [...this.apps.values()].find(
      (app) => app.botLogin.toLowerCase() === bot && app.installation.account.toLowerCase() === owner.toLowerCase(),
    );
  }

  installationOn(owner: string): AppRecord | undefined {
    return [...this.apps.values()].find((app) => app.installation.account.toLowerCase() === owner.toLowerCase());
  }

  /** A `ghs_` token for the App's installation that stops working at `expiresAt`, as on GitHub. */
  mintInstallationToken(app: AppRecord): { token: string; expiresAt: number } {
    const expiresAt = Date.now() + app.tokenLifetimeMs;
    const token = this.users.mintToken(app.botLogin, false, `ghs_${randomBytes(18).toString("hex")}`, expiresAt);
    this.minted.push(token);
    return { token, expiresAt };
  }

  mintedTokens(): string[] {
    return [...this.minted];
  }

  /** A token shaped like a JWT (three base64url parts). */
  static looksLikeJwt(token: string): boolean {
    return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
  }

  /**
   * The App a JWT authenticates, checked like GitHub: RS256 signed with the
   * App's key, `iss` the App id, `iat` not in the future (beyond drift), `exp`
   * not passed and at most ten minutes after `iat`.
   */
  verifyJwt(jwt: string): AppRecord {
    const [header = "", payload = "", signature = ""] = jwt.split(".");
    const claims = decodePart(payload);
    if (decodePart(header)["alg"] !== "RS256") throw jwtError("'Algorithm' is not RS256");
    const app = this.apps.get(Number(claims["iss"]));
    if (!app) throw jwtError("'Issuer' claim ('iss') must be an Integer");
    const signed = verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), app.publicKey, Buffer.from(signature, "base64url"));
    if (!signed) throw jwtError("A JSON web token could not be decoded");
    const now = Math.floor(Date.now() / 1000);
    const iat = Number(claims["iat"]);
    const exp = Number(claims["exp"]);
    if (!Number.isFinite(iat) || iat > now + CLOCK_DRIFT_S) throw jwtError("'Issued at' claim ('iat') must be an Integer representing a time in the past");
    if (!Number.isFinite(exp) || exp <= now) throw jwtError("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    if (exp - iat > MAX_JWT_LIFETIME_S) throw jwtError("'Expiration time' claim ('exp') is too far in the future");
    return app;
  }
}

function decodePart(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw jwtError("A JSON web token could not be decoded");
}

function jwtError(message: string): ApiError {
  return new ApiError(401, message);
}
