import { timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";

/** HTTP Basic authentication with constant-time comparison. */
export function basicAuth(username: string, password: string, realm = "agent-runner"): RequestHandler {
  const expected = Buffer.from(`${username}:${password}`);
  return (req, res, next) => {
    const header = req.headers.authorization ?? "";
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    const given = match?.[1] === undefined ? Buffer.alloc(0) : Buffer.from(match[1], "base64");
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      next();
      return;
    }
    res.setHeader("WWW-Authenticate", `Basic realm="${realm}", charset="UTF-8"`);
    res.status(401).send("Authentication required");
  };
}
