import { describe, expect, it } from "vitest";
import { FinalTaskFailure } from "./final-task-failure.js";
import { RepoNotFoundError } from "./permanent-errors.js";

describe("FinalTaskFailure", () => {
  it("carries the task's own error as its cause, with that error's message", () => {
    const cause = new RepoNotFoundError("repository acme/nope not found");
    const failure = new FinalTaskFailure(cause);
    expect(failure.cause).toBe(cause);
    expect(failure.message).toBe("repository acme/nope not found");
    expect(failure.name).toBe("FinalTaskFailure");
  });

  it("keeps something thrown that is no Error, as its message too", () => {
    const failure = new FinalTaskFailure("boom");
    expect(failure.cause).toBe("boom");
    expect(failure.message).toBe("boom");
  });
});
