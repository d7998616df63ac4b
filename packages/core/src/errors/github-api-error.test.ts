import { describe, expect, it } from "vitest";
import { GitHubApiError } from "./github-api-error.js";

describe("GitHubApiError", () => {
  it("names the route and status in its message", () => {
    const error = new GitHubApiError({ status: 422, message: "Validation Failed", route: "POST /repos/{owner}/{repo}/pulls" });
    expect(error.message).toBe("GitHub POST /repos/{owner}/{repo}/pulls answered 422: Validation Failed");
    expect(error.name).toBe("GitHubApiError");
    expect(error).toBeInstanceOf(Error);
  });

  it("is not rate limited and has no wait unless told", () => {
    const error = new GitHubApiError({ status: 403, message: "Forbidden", route: "GET /user" });
    expect(error.rateLimited).toBe(false);
    expect(error.retryAfterSeconds).toBeUndefined();
  });

  it("keeps the rate-limit details it is given", () => {
    const error = new GitHubApiError({ status: 403, message: "x", route: "GET /user", rateLimited: true, retryAfterSeconds: 30 });
    expect(error).toMatchObject({ status: 403, route: "GET /user", rateLimited: true, retryAfterSeconds: 30 });
  });
});
