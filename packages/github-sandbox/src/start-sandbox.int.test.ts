import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ResponseValidator } from "./openapi/openapi-validator.js";
import { startSandbox } from "./start-sandbox.js";
import { octokitFor } from "./test-support/octokit-for.js";
import { rawRequest } from "./test-support/raw-request.js";

describe("startSandbox", () => {
  it("serves the API, git and admin faces from one origin on a free port", async () => {
    const sandbox = await startSandbox();
    try {
      expect(sandbox.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
      expect(sandbox.gitUrl).toBe(sandbox.apiUrl.replace("/api/v3", "/git"));
      expect(sandbox.adminUrl).toBe(sandbox.apiUrl.replace("/api/v3", "/_admin"));
      expect(sandbox.users).toEqual({ owner: "octo-owner", readOnly: "octo-reader", outsider: "octo-outsider" });
      expect(new Set(Object.values(sandbox.tokens)).size).toBe(3);
      expect(Object.values(sandbox.tokens).every((token) => /^ghp_[0-9a-f]{36}$/.test(token))).toBe(true);
      const unknown = await rawRequest(`${sandbox.apiUrl}/gists`, { token: sandbox.tokens.owner });
      expect(unknown.status).toBe(404);
      expect(sandbox.admin.requestLog().at(-1)).toMatchObject({ route: "UNKNOWN", status: 404, user: "octo-owner" });
      expect((await rawRequest(`${sandbox.apiUrl.replace("/api/v3", "")}/elsewhere`)).status).toBe(404);
    } finally {
      await sandbox.close();
    }
  });

  it("removes the data directory it created, and keeps one it was given", async () => {
    const own = await startSandbox();
    await own.admin.createRepo({ owner: "acme", name: "a" });
    expect(await readdir(join(own.dataDir, "acme"))).toEqual(["a.git"]);
    await own.close();
    expect(existsSync(own.dataDir)).toBe(false);

    const given = await mkdtemp(join(tmpdir(), "sandbox-given-"));
    try {
      const sandbox = await startSandbox({ dataDir: given });
      await sandbox.admin.createRepo({ owner: "acme", name: "kept" });
      await sandbox.close();
      expect(existsSync(join(given, "acme", "kept.git", "HEAD"))).toBe(true);
    } finally {
      await rm(given, { recursive: true, force: true });
    }
  });

  it("takes fixed logins, tokens and admin token", async () => {
    const sandbox = await startSandbox({
      users: { owner: "boss" },
      tokens: { owner: "ghp_fixed_owner", readOnly: "ghp_fixed_reader" },
      adminToken: "admin-secret",
    });
    try {
      expect(sandbox.users.owner).toBe("boss");
      expect(sandbox.tokens).toMatchObject({ owner: "ghp_fixed_owner", readOnly: "ghp_fixed_reader" });
      expect(sandbox.adminToken).toBe("admin-secret");
      expect((await octokitFor(sandbox, "ghp_fixed_owner").users.getAuthenticated()).data.login).toBe("boss");
    } finally {
      await sandbox.close();
    }
  });

  it("records what a given validator reports for each response", async () => {
    const seen: string[] = [];
    const validator: ResponseValidator = {
      validateResponse: (method, path, status) => {
        seen.push(`${method} ${path} ${status}`);
        return [{ path: "", message: "always wrong" }];
      },
      validateWebhook: () => [],
      knowsOperation: () => true,
    };
    const sandbox = await startSandbox({ validateResponses: validator });
    try {
      await octokitFor(sandbox).rateLimit.get();
      expect(seen).toEqual(["GET /rate_limit 200"]);
      expect(sandbox.admin.violations()).toEqual([
        { method: "GET", route: "GET /rate_limit", path: "/rate_limit", status: 200, errors: [{ path: "", message: "always wrong" }] },
      ]);
    } finally {
      await sandbox.close();
    }
  });

  it("closes with clients still connected", async () => {
    const sandbox = await startSandbox();
    const octokit = octokitFor(sandbox);
    await octokit.rateLimit.get();
    await sandbox.close();
    await expect(octokit.rateLimit.get()).rejects.toThrow();
  });
});
