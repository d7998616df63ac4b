import { createPrivateKey, sign } from "node:crypto";

/** A GitHub App JWT (RS256), as @octokit/auth-app makes one; claims overridable to build bad ones. */
export function signAppJwt(appId: number, privateKeyPem: string, claims: { iat?: number; exp?: number } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT" })).toString("base64url");
  const payload = Buffer.from(JSON.stringify({ iat: claims.iat ?? now - 30, exp: claims.exp ?? now + 540, iss: appId })).toString("base64url");
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), createPrivateKey(privateKeyPem)).toString("base64url");
  return `${header}.${payload}.${signature}`;
}
