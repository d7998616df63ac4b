import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../start-sandbox.js";
import { signAppJwt } from "../test-support/app-jwt.js";
import { rawRequest } from "../test-support/raw-request.js";
import type { RegisteredApp, Sandbox } from "../types.js";

describe("GitHub Apps in the sandbox", () => {
  let sandbox: Sandbox;
  let app: RegisteredApp;

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    await sandbox.admin.createRepo({ owner: "acme", name: "target" });
    app = sandbox.admin.registerApp({ slug: "runner", installedOn: "acme", tokenLifetimeMs: 1_500 });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  const mint = async (): Promise<{ token: string; expires_at: string }> => {
    const url = `${sandbox.apiUrl}/app/installations/${app.installationId}/access_tokens`;
    const response = await rawRequest(url, { method: "POST", token: signAppJwt(app.appId, app.privateKey) });
    expect(response.status).toBe(201);
    return response.json as { token: string; expires_at: string };
  };

  it("refuses JWTs GitHub would refuse: too long-lived, expired, issued in the future, or signed with another key", async () => {
    const now = Math.floor(Date.now() / 1000);
    const other = sandbox.admin.registerApp({ slug: "other", installedOn: "someone-else" });
    const bad = [
      signAppJwt(app.appId, app.privateKey, { iat: now, exp: now + 11 * 60 }),
      signAppJwt(app.appId, app.privateKey, { iat: now - 600, exp: now - 1 }),
      signAppJwt(app.appId, app.privateKey, { iat: now + 300, exp: now + 400 }),
      signAppJwt(app.appId, other.privateKey),
    ];
    for (const jwt of bad) {
      const response = await rawRequest(`${sandbox.apiUrl}/app`, { token: jwt });
      expect(response.status).toBe(401);
    }
    expect((await rawRequest(`${sandbox.apiUrl}/app`, { token: signAppJwt(app.appId, app.privateKey) })).status).toBe(200);
  });

  it("does not take a JWT where an installation token belongs", async () => {
    const response = await rawRequest(`${sandbox.apiUrl}/repos/acme/target`, { token: signAppJwt(app.appId, app.privateKey) });
    expect(response.status).toBe(403);
  });

  it("attributes what an installation token creates to the App's bot", async () => {
    const { token } = await mint();
    const created = await rawRequest(`${sandbox.apiUrl}/repos/acme/target/issues`, { method: "POST", token, body: { title: "by the bot" } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ user: { login: "runner[bot]", type: "Bot" } });
  });

  it("answers a renewed token's first conditional request in full: ETags are per token, so each renewal costs one counted request", async () => {
    const first = await mint();
    const second = await mint();
    const listing = `${sandbox.apiUrl}/repos/acme/target/issues`;
    const etag = (await rawRequest(listing, { token: first.token })).headers.get("etag") ?? "";
    expect((await rawRequest(listing, { token: first.token, headers: { "if-none-match": etag } })).status).toBe(304);
    const renewed = await rawRequest(listing, { token: second.token, headers: { "if-none-match": etag } });
    expect(renewed.status).toBe(200);
    const etag2 = renewed.headers.get("etag") ?? "";
    expect((await rawRequest(listing, { token: second.token, headers: { "if-none-match": etag2 } })).status).toBe(304);
  });

  it("refuses an installation token once it has expired", async () => {
    const { token, expires_at } = await mint();
    expect(Date.parse(expires_at)).toBeLessThanOrEqual(Date.now() + 1_500);
    expect((await rawRequest(`${sandbox.apiUrl}/repos/acme/target`, { token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect((await rawRequest(`${sandbox.apiUrl}/repos/acme/target`, { token })).status).toBe(401);
    const clone = await fetch(`${sandbox.gitUrl}/acme/target.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}` },
    });
    expect(clone.status).toBe(401);
  });
});
