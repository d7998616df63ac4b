import { describe, expect, it } from "vitest";
import { parseGitRoute } from "./git-route.js";

const query = (text: string) => new URLSearchParams(text);

describe("parseGitRoute", () => {
  it("names the advertisement by its service", () => {
    expect(parseGitRoute("GET", "/acme/target.git/info/refs", query("service=git-receive-pack"))).toEqual({
      owner: "acme",
      repo: "target",
      service: "git-receive-pack",
      endpoint: "info/refs",
      template: "GET /git/{owner}/{repo}.git/info/refs?service=git-receive-pack",
    });
  });

  it("names the RPC by its path and accepts URLs without .git", () => {
    expect(parseGitRoute("POST", "/acme/target/git-upload-pack", query(""))?.template).toBe(
      "POST /git/{owner}/{repo}.git/git-upload-pack",
    );
  });

  it("refuses dumb HTTP, unknown services and wrong methods", () => {
    expect(parseGitRoute("GET", "/acme/target.git/info/refs", query(""))).toBeUndefined();
    expect(parseGitRoute("GET", "/acme/target.git/HEAD", query(""))).toBeUndefined();
    expect(parseGitRoute("GET", "/acme/target.git/git-upload-pack", query(""))).toBeUndefined();
    expect(parseGitRoute("GET", "/acme/target.git/info/refs", query("service=git-upload-archive"))).toBeUndefined();
  });
});
