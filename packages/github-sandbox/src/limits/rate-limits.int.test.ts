import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox } from "../start-sandbox.js";
import { errorOf, octokitFor } from "../test-support/octokit-for.js";
import type { Sandbox } from "../types.js";

describe("primary and secondary rate limits", () => {
  let sandbox: Sandbox;
  const repo = { owner: "acme", repo: "limits" };

  beforeAll(async () => {
    sandbox = await startSandbox({ validateResponses: true });
    await sandbox.admin.createRepo({ owner: "acme", name: "limits" });
  });

  beforeEach(() => {
    sandbox.admin.setRateLimit({ limit: 5000 });
    sandbox.admin.setSecondaryLimit(null);
    sandbox.admin.clearRequestLog();
  });

  afterAll(async () => {
    expect(sandbox.admin.violations()).toEqual([]);
    await sandbox.close();
  });

  it("answers 403 with x-ratelimit-remaining 0 and GitHub's message once the primary limit is used up", async () => {
    sandbox.admin.setRateLimit({ limit: 2, windowSeconds: 60 });
    const octokit = octokitFor(sandbox);
    expect((await octokit.repos.get(repo)).headers["x-ratelimit-remaining"]).toBe("1");
    expect((await octokit.repos.get(repo)).headers["x-ratelimit-remaining"]).toBe("0");
    const limited = await errorOf(octokit.repos.get(repo));
    expect(limited).toMatchObject({ status: 403, data: { message: "API rate limit exceeded for user ID 1." } });
    expect(limited.headers["x-ratelimit-remaining"]).toBe("0");
    expect(limited.headers["x-ratelimit-used"]).toBe("2");
    expect(Number(limited.headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);
    expect(sandbox.admin.requestLog().map((entry) => [entry.rateLimited, entry.limited])).toEqual([
      [true, undefined],
      [true, undefined],
      [false, "primary"],
    ]);
  });

  it("keeps a separate budget per user", async () => {
    sandbox.admin.setRateLimit({ limit: 1 });
    await octokitFor(sandbox).repos.get(repo);
    expect((await errorOf(octokitFor(sandbox).repos.get(repo))).status).toBe(403);
    expect((await octokitFor(sandbox, sandbox.tokens.readOnly).repos.get(repo)).status).toBe(200);
  });

  it("can answer 429 instead, and resets when the window ends", async () => {
    sandbox.admin.setRateLimit({ limit: 1, windowSeconds: 1, status: 429 });
    const octokit = octokitFor(sandbox);
    await octokit.repos.get(repo);
    expect((await errorOf(octokit.repos.get(repo))).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await octokit.repos.get(repo)).status).toBe(200);
  });

  it("does not count 304s or GET /rate_limit", async () => {
    const octokit = octokitFor(sandbox);
    const first = await octokit.issues.listForRepo(repo);
    const used = Number(first.headers["x-ratelimit-used"]);
    await errorOf(octokit.issues.listForRepo({ ...repo, headers: { "if-none-match": first.headers.etag } }));
    const { data } = await octokit.rateLimit.get();
    expect(data.rate.used).toBe(used);
    expect(data.resources.core.remaining).toBe(5000 - used);
  });

  it("refuses writes over the secondary limit with 403 and retry-after, leaving reads alone", async () => {
    sandbox.admin.setSecondaryLimit({ writes: 2, windowSeconds: 60, retryAfterSeconds: 30 });
    const octokit = octokitFor(sandbox);
    const hitsBefore = sandbox.admin.secondaryLimitHits();
    await octokit.issues.create({ ...repo, title: "one" });
    await octokit.issues.create({ ...repo, title: "two" });
    const limited = await errorOf(octokit.issues.create({ ...repo, title: "three" }));
    expect(limited.status).toBe(403);
    expect(limited.headers["retry-after"]).toBe("30");
    expect(String(limited.data["message"])).toMatch(/^You have exceeded a secondary rate limit\. Please wait a few minutes before you try again\./);
    expect(Number(limited.headers["x-ratelimit-remaining"])).toBeGreaterThan(0);
    expect((await octokit.issues.listForRepo(repo)).status).toBe(200);
    expect(sandbox.admin.secondaryLimitHits()).toBe(hitsBefore + 1);
    expect(sandbox.admin.listIssues(repo.owner, repo.repo).map((issue) => issue.title)).not.toContain("three");
    expect(sandbox.admin.requestLog().filter((entry) => entry.limited === "secondary")).toHaveLength(1);
  });
});
