import { describe, expect, it } from "vitest";
import {
  BranchConflictError,
  ChangeFailedError,
  InvalidTaskError,
  NoChangesError,
  PermanentTaskError,
  RepoNotFoundError,
  TargetNotAllowedError,
} from "./permanent-errors.js";

type PermanentErrorClass = new (message: string, userMessage?: string) => PermanentTaskError;

describe("PermanentTaskError subclasses", () => {
  it.each<[string, PermanentErrorClass, string]>([
    ["InvalidTaskError", InvalidTaskError, "invalid_task"],
    ["RepoNotFoundError", RepoNotFoundError, "repo_not_found"],
    ["TargetNotAllowedError", TargetNotAllowedError, "target_not_allowed"],
    ["ChangeFailedError", ChangeFailedError, "change_failed"],
    ["NoChangesError", NoChangesError, "no_changes"],
    ["BranchConflictError", BranchConflictError, "branch_conflict"],
  ])("make %s a PermanentTaskError named after its class", (name, ErrorClass, reason) => {
    const error = new ErrorClass("internal detail");
    expect(error).toBeInstanceOf(PermanentTaskError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.reason).toBe(reason);
    expect(error.message).toBe("internal detail");
  });

  it("show the message to users unless a user message is given", () => {
    expect(new RepoNotFoundError("404 on acme/x").userMessage).toBe("404 on acme/x");
    expect(new RepoNotFoundError("404 on acme/x", "The target repository does not exist.").userMessage).toBe(
      "The target repository does not exist.",
    );
  });
});
