import { describe, expect, it } from "vitest";
import { FakeGitHubClient } from "@agent-runner/core/testing";
import { RepoInfoCache } from "./repo-info-cache.js";

const target = { owner: "acme", repo: "target" };

describe("RepoInfoCache", () => {
  it("looks a repository up once for tasks that start on it together", async () => {
    const github = new FakeGitHubClient();
    github.addRepo("acme/target");
    const cache = new RepoInfoCache(github);
    const found = await Promise.all([cache.get(target), cache.get(target), cache.get({ owner: "Acme", repo: "Target" })]);
    expect(found.map((repo) => repo?.defaultBranch)).toEqual(["main", "main", "main"]);
    expect(github.calls.filter((c) => c === "getRepo")).toHaveLength(1);
  });

  it("looks again once the entry has expired", async () => {
    const github = new FakeGitHubClient();
    github.addRepo("acme/target");
    let now = 0;
    const cache = new RepoInfoCache(github, 1_000, () => now);
    await cache.get(target);
    now = 999;
    await cache.get(target);
    now = 1_001;
    await cache.get(target);
    expect(github.calls.filter((c) => c === "getRepo")).toHaveLength(2);
  });

  it("never caches a repository that was not found, nor a failed look-up", async () => {
    const github = new FakeGitHubClient();
    const cache = new RepoInfoCache(github);
    expect(await cache.get(target)).toBeUndefined();
    github.addRepo("acme/target");
    const getRepo = github.getRepo.bind(github);
    github.getRepo = () => Promise.reject(new Error("502"));
    await expect(cache.get(target)).rejects.toThrow("502");
    github.getRepo = getRepo;
    expect(await cache.get(target)).toBeDefined();
  });
});
