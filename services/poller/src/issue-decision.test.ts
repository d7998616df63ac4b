import { describe, expect, it } from "vitest";
import type { DispatchIssue } from "@agent-runner/core";
import { decideIssue, type IssuePolicy } from "./issue-decision.js";

const policy: IssuePolicy = {
  dispatchRepo: { owner: "acme", repo: "dispatch" },
  processedLabel: "processed",
  allowedTargetRepos: ["acme/*"],
  trustedAuthorAssociations: ["OWNER", "MEMBER", "COLLABORATOR"],
  trustedAuthors: ["producer-bot"],
};

const good = '<!-- agent_task_metadata {"task_id": "task-0001"} -->\n\n## Instruction\n\nDo it\n\nTarget Repository: acme/target';

function issue(overrides: Partial<DispatchIssue> = {}): DispatchIssue {
  return {
    number: 7,
    title: "A task",
    body: good,
    htmlUrl: "https://github.example/acme/dispatch/issues/7",
    labels: ["copilot-agent"],
    authorLogin: "octo-owner",
    authorAssociation: "OWNER",
    isPullRequest: false,
    updatedAt: "2026-01-01T00:00:00Z",
    comments: 0,
    ...overrides,
  };
}

describe("decideIssue", () => {
  it.each([
    ["a pull request carrying the label", issue({ isPullRequest: true }), "skip"],
    ["an issue already labelled processed", issue({ labels: ["copilot-agent", "processed"] }), "skip"],
    ["the processed label in another case", issue({ labels: ["copilot-agent", "Processed"] }), "skip"],
    ["a valid issue from the owner", issue(), "enqueue"],
    ["a valid issue from a member", issue({ authorAssociation: "MEMBER" }), "enqueue"],
    ["a valid issue from a trusted bot with no association", issue({ authorLogin: "Producer-Bot", authorAssociation: "NONE" }), "enqueue"],
    ["an issue from a stranger", issue({ authorLogin: "mallory", authorAssociation: "NONE" }), "reject"],
    ["an issue from a contributor", issue({ authorLogin: "pat", authorAssociation: "CONTRIBUTOR" }), "reject"],
    ["an issue without metadata", issue({ body: "## Instruction\n\nDo it" }), "reject"],
    ["an issue with a null body", issue({ body: null }), "reject"],
    ["an issue targeting a repo outside the allowlist", issue({ body: good.replace("acme/target", "evil/target") }), "reject"],
  ] as const)("handles %s", (_name, input, kind) => {
    expect(decideIssue(input, policy).kind).toBe(kind);
  });

  it("names the reason when it rejects", () => {
    const decision = decideIssue(issue({ authorLogin: "mallory", authorAssociation: "NONE" }), policy);
    expect(decision).toMatchObject({ kind: "reject", reason: "untrusted_author" });
    const target = decideIssue(issue({ body: good.replace("acme/target", "evil/target") }), policy);
    expect(target).toMatchObject({ kind: "reject", reason: "target_not_allowed" });
  });

  it("checks trust before reading the body, so a stranger's issue is never parsed into a task", () => {
    const decision = decideIssue(issue({ authorAssociation: "NONE", authorLogin: "mallory", body: null }), policy);
    expect(decision).toMatchObject({ reason: "untrusted_author" });
  });
});
