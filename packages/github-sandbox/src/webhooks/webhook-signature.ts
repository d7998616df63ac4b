import { createHmac } from "node:crypto";

/** `X-Hub-Signature-256`: HMAC-SHA256 of the raw body with the webhook secret. */
export function signatureSha256(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The legacy `X-Hub-Signature` (HMAC-SHA1) GitHub still sends beside it. */
export function signatureSha1(secret: string, body: string | Buffer): string {
  return `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`;
}
