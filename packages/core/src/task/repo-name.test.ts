import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatRepoRef, isRepoAllowed, parseRepoRef, type RepoRef } from "./repo-name.js";

describe("parseRepoRef", () => {
  it.each([
    ["a plain owner/name", "owner/repo", { owner: "owner", repo: "repo" }],
    ["a one-letter owner and name", "a/b", { owner: "a", repo: "b" }],
    ["hyphens, dots and underscores where GitHub allows them", "my-org/my.repo_1", { owner: "my-org", repo: "my.repo_1" }],
    ["a name starting with '.'", "octo/.github", { owner: "octo", repo: ".github" }],
    ["surrounding whitespace", "  owner/repo \n", { owner: "owner", repo: "repo" }],
    ["mixed case unchanged", "Acme/Web", { owner: "Acme", repo: "Web" }],
    ["a 39-character owner", `${"o".repeat(39)}/r`, { owner: "o".repeat(39), repo: "r" }],
    ["a 100-character name", `o/${"r".repeat(100)}`, { owner: "o", repo: "r".repeat(100) }],
  ])("accepts %s", (_name, value, expected) => {
    expect(parseRepoRef(value)).toEqual(expected);
  });

  it.each([
    ["an empty string", ""],
    ["a bare name", "owner"],
    ["a missing name", "owner/"],
    ["a missing owner", "/repo"],
    ["three segments", "a/b/c"],
    ["'..'", ".."],
    ["'../x'", "../x"],
    ["'..' as the name", "owner/.."],
    ["'.' as the name", "owner/."],
    ["an owner starting with '-'", "-owner/x"],
    ["an owner ending with '-'", "owner-/x"],
    ["an owner with a double hyphen", "ow--ner/x"],
    ["an owner with '_'", "own_er/x"],
    ["a 40-character owner", `${"o".repeat(40)}/r`],
    ["a 101-character name", `o/${"r".repeat(101)}`],
    ["a name with a space", "owner/re po"],
    ["a name ending in .git", "owner/repo.git"],
    ["a URL", "https://github.com/a/b"],
    ["a backslash separator", "owner\\repo"],
    ["a non-ASCII name", "owner/répo"],
    ["an issue reference", "owner/repo#1"],
  ])("rejects %s", (_name, value) => {
    expect(parseRepoRef(value)).toBeUndefined();
  });

  it("round-trips through formatRepoRef", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        const ref = parseRepoRef(value);
        if (ref !== undefined) expect(parseRepoRef(formatRepoRef(ref))).toEqual(ref);
      }),
      { numRuns: 2_000 },
    );
    expect(formatRepoRef({ owner: "o", repo: "r" })).toBe("o/r");
  });
});

describe("isRepoAllowed", () => {
  const web: RepoRef = { owner: "acme", repo: "web" };
  it.each<[string, RepoRef, string[], boolean]>([
    ["allows any repo of an owner with 'acme/*'", web, ["acme/*"], true],
    ["allows an exact name", web, ["acme/web"], true],
    ["compares the repo case-insensitively", { owner: "ACME", repo: "Web" }, ["acme/*"], true],
    ["compares the glob case-insensitively", web, ["Acme/WEB"], true],
    ["refuses another owner", { owner: "other", repo: "web" }, ["acme/*"], false],
    ["refuses an owner that merely starts the same", { owner: "acme-evil", repo: "web" }, ["acme/*"], false],
    ["does not let '*' cross '/'", web, ["*"], false],
    ["does not let 'acme*' cross '/'", web, ["acme*"], false],
    ["allows everything with '*/*'", { owner: "anyone", repo: "anything" }, ["*/*"], true],
    ["matches a name prefix glob", { owner: "acme", repo: "web-app" }, ["acme/web-*"], true],
    ["does not match a prefix glob without its suffix", web, ["acme/web-*"], false],
    ["treats '.' literally", { owner: "acme", repo: "webxapp" }, ["acme/web.app"], false],
    ["treats '?' literally", web, ["acme/?eb"], false],
    ["treats regex groups literally", web, ["acme/(web)"], false],
    ["refuses everything with no globs", web, [], false],
    ["allows when any of several globs matches", web, ["other/x", "acme/*"], true],
  ])("%s", (_name, ref, globs, expected) => {
    expect(isRepoAllowed(ref, globs)).toBe(expected);
  });
});
