import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { OctokitWebhookGateway } from "./octokit-webhook-gateway.js";

const SECRET = "a-webhook-secret-of-some-length";
const sign = (body: string, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

const issue = {
  number: 7,
  title: "Do it",
  body: "body",
  html_url: "https://github.com/acme/dispatch/issues/7",
  labels: [{ name: "copilot-agent" }],
  user: { login: "octo" },
  author_association: "OWNER",
  state: "open",
  updated_at: "2026-01-01T00:00:00Z",
  comments: 2,
};

describe("the webhook gateway", () => {
  const gateway = new OctokitWebhookGateway(SECRET);

  it("accepts a body signed with the secret and refuses a wrong, missing, SHA-1 or tampered signature", async () => {
    const body = JSON.stringify({ action: "opened", issue });
    expect(await gateway.verify(body, sign(body))).toBe(true);
    expect(await gateway.verify(body, sign(body, "another-secret-entirely"))).toBe(false);
    expect(await gateway.verify(body, undefined)).toBe(false);
    expect(await gateway.verify(body, `sha1=${createHmac("sha1", SECRET).update(body).digest("hex")}`)).toBe(false);
    expect(await gateway.verify(body.replace("Do it", "Do that"), sign(body))).toBe(false);
    expect(await gateway.verify(body, "sha256=zz")).toBe(false);
  });

  it("reads the issue, its repository and state out of issues and issue_comment payloads", () => {
    const repository = { full_name: "acme/dispatch" };
    expect(gateway.issueOf("issues", { action: "labeled", issue, repository })).toEqual({
      event: "issues",
      action: "labeled",
      repository: "acme/dispatch",
      state: "open",
      issue: {
        number: 7,
        title: "Do it",
        body: "body",
        htmlUrl: issue.html_url,
        labels: ["copilot-agent"],
        authorLogin: "octo",
        authorAssociation: "OWNER",
        isPullRequest: false,
        updatedAt: issue.updated_at,
        comments: 2,
      },
    });
    const comment = gateway.issueOf("issue_comment", { action: "created", issue: { ...issue, state: "closed" }, comment: {}, repository });
    expect(comment).toMatchObject({ event: "issue_comment", action: "created", state: "closed" });
  });

  it.each([
    ["another event", "push", { action: "opened", issue, repository: { full_name: "a/b" } }],
    ["no action", "issues", { issue, repository: { full_name: "a/b" } }],
    ["no repository", "issues", { action: "opened", issue }],
    ["a number that is not one", "issues", { action: "opened", issue: { ...issue, number: "7" }, repository: { full_name: "a/b" } }],
    ["labels that are not a list", "issues", { action: "opened", issue: { ...issue, labels: "x" }, repository: { full_name: "a/b" } }],
    ["an array", "issues", []],
  ])("answers %s as not an issue event", (_name, event, payload) => {
    expect(gateway.issueOf(event, payload)).toBeUndefined();
  });

  describe("comments on pull requests", () => {
    const pull = { ...issue, number: 12, pull_request: { url: "https://api.github.com/repos/acme/web/pulls/12" } };
    const comment = {
      id: 99,
      body: "/agent Add a line.",
      html_url: "https://github.com/acme/web/pull/12#issuecomment-99",
      user: { login: "rita" },
      author_association: "COLLABORATOR",
    };
    const repository = { full_name: "acme/web" };

    it("reads the comment, its PR and repository out of an issue_comment payload on a pull request", () => {
      expect(gateway.pullCommentOf("issue_comment", { action: "created", issue: pull, comment, repository })).toEqual({
        event: "issue_comment",
        action: "created",
        repository: "acme/web",
        pullNumber: 12,
        comment: { id: 99, body: "/agent Add a line.", authorLogin: "rita", authorAssociation: "COLLABORATOR", htmlUrl: comment.html_url },
      });
    });

    it.each([
      ["a comment on an issue", "issue_comment", { action: "created", issue, comment, repository }],
      ["another event", "issues", { action: "created", issue: pull, comment, repository }],
      ["no comment", "issue_comment", { action: "created", issue: pull, repository }],
      ["a comment id that is not one", "issue_comment", { action: "created", issue: pull, comment: { ...comment, id: "99" }, repository }],
      ["a body that is not text", "issue_comment", { action: "created", issue: pull, comment: { ...comment, body: 5 }, repository }],
      ["no repository", "issue_comment", { action: "created", issue: pull, comment }],
    ])("answers %s as no pull request comment", (_name, event, payload) => {
      expect(gateway.pullCommentOf(event, payload)).toBeUndefined();
    });
  });

  describe("comments on pull requests' diffs", () => {
    const pull_request = { number: 12, state: "open" };
    const comment = {
      id: 1800000001,
      body: "/agent Rename this.",
      html_url: "https://github.com/acme/web/pull/12#discussion_r1800000001",
      user: { login: "rita" },
      author_association: "MEMBER",
      path: "src/app.ts",
      line: 40,
    };
    const repository = { full_name: "acme/web" };

    it("reads the comment, its file and line, its PR and repository out of a pull_request_review_comment payload", () => {
      expect(gateway.pullCommentOf("pull_request_review_comment", { action: "created", pull_request, comment, repository })).toEqual({
        event: "pull_request_review_comment",
        action: "created",
        repository: "acme/web",
        pullNumber: 12,
        comment: { id: comment.id, body: "/agent Rename this.", authorLogin: "rita", authorAssociation: "MEMBER", htmlUrl: comment.html_url },
        review: { path: "src/app.ts", line: 40 },
      });
    });

    it("reads a comment on a whole file (no line) as one on the file", () => {
      const found = gateway.pullCommentOf("pull_request_review_comment", { action: "created", pull_request, comment: { ...comment, line: null }, repository });
      expect(found?.review).toEqual({ path: "src/app.ts" });
    });

    it.each([
      ["no pull request", { action: "created", comment, repository }],
      ["a pull request number that is not one", { action: "created", pull_request: { number: "12" }, comment, repository }],
      ["no path", { action: "created", pull_request, comment: { ...comment, path: undefined }, repository }],
      ["a comment id that is not one", { action: "created", pull_request, comment: { ...comment, id: -1 }, repository }],
      ["no repository", { action: "created", pull_request, comment }],
    ])("answers %s as no review comment", (_name, payload) => {
      expect(gateway.pullCommentOf("pull_request_review_comment", payload)).toBeUndefined();
    });
  });
});
