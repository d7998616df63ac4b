import { describe, expect, it } from "vitest";
import type { RequestLogEntry } from "@agent-runner/github-sandbox";
import { labelledAt, summarizeCalls } from "./request-log-stats.js";

function entry(partial: Partial<RequestLogEntry>): RequestLogEntry {
  return {
    kind: "api",
    method: "GET",
    route: "GET /repos/{owner}/{repo}",
    path: "/repos/acme/t",
    query: "",
    status: 200,
    rateLimited: true,
    conditional: false,
    at: 1_000,
    durationMs: 5,
    ...partial,
  };
}

describe("summarizing the request log", () => {
  const log = [
    entry({ route: "GET /repos/{owner}/{repo}/issues", path: "/repos/acme/d/issues" }),
    entry({ route: "GET /repos/{owner}/{repo}/issues", status: 304, rateLimited: false, conditional: true }),
    entry({ method: "POST", route: "POST /repos/{owner}/{repo}/pulls" }),
    entry({ method: "POST", route: "POST /repos/{owner}/{repo}/pulls", status: 403, limited: "secondary" }),
    entry({ kind: "git", method: "POST", route: "POST /git/{owner}/{repo}.git/git-receive-pack", rateLimited: false }),
    entry({ at: 5_000 }),
  ];

  it("counts rate-limited calls, the poll's share, free 304s, writes, secondary hits and git requests in the window", () => {
    const s = summarizeCalls(log, 0, 2_000);
    expect(s).toMatchObject({ rateLimited: 3, pollRateLimited: 1, pollNotModified: 1, writes: 2, secondaryLimited: 1, git: 1 });
    expect(s.rateLimitedByRoute).toEqual({ "GET /repos/{owner}/{repo}/issues": 1, "POST /repos/{owner}/{repo}/pulls": 2 });
  });

  it("leaves out requests outside the window", () => {
    expect(summarizeCalls(log, 4_000, 6_000).rateLimited).toBe(1);
  });
});

describe("when issues were labelled", () => {
  it("keeps the end of the first successful label request per issue of the dispatch repository", () => {
    const route = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels";
    const times = labelledAt(
      [
        entry({ method: "POST", route, path: "/repos/acme/d/issues/7/labels", status: 502, at: 100 }),
        entry({ method: "POST", route, path: "/repos/acme/d/issues/7/labels", at: 200, durationMs: 10 }),
        entry({ method: "POST", route, path: "/repos/acme/d/issues/7/labels", at: 900 }),
        entry({ method: "POST", route, path: "/repos/acme/d-other/issues/8/labels", at: 300 }),
      ],
      "/repos/acme/d",
    );
    expect([...times]).toEqual([[7, 210]]);
  });
});
