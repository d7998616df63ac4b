import { describe, expect, it } from "vitest";
import { Router } from "./router.js";

const router = new Router([
  { operation: "GET /repos/{owner}/{repo}/issues/{issue_number}" },
  { operation: "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}" },
  { operation: "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}" },
]);

describe("Router", () => {
  it("matches a template and extracts decoded parameters", () => {
    const match = router.match("DELETE", "/repos/acme/target/issues/3/labels/help%20wanted");
    expect(match?.route.operation).toBe("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}");
    expect(match?.params).toEqual({ owner: "acme", repo: "target", issue_number: "3", name: "help wanted" });
  });

  it("tells issue numbers from the comments sub-path", () => {
    expect(router.match("PATCH", "/repos/a/b/issues/comments/9")?.params["comment_id"]).toBe("9");
    expect(router.match("GET", "/repos/a/b/issues/comments")?.params["issue_number"]).toBe("comments");
  });

  it("requires the method to match", () => {
    expect(router.match("POST", "/repos/a/b/issues/1")).toBeUndefined();
  });

  it("tolerates one trailing slash but not extra segments", () => {
    expect(router.match("get", "/repos/a/b/issues/1/")).toBeDefined();
    expect(router.match("GET", "/repos/a/b/issues/1/x")).toBeUndefined();
  });
});
