import { describe, expect, it } from "vitest";
import { taskJobSchema, type TaskJob } from "./task-job.js";

const job: TaskJob = {
  version: 1,
  taskId: "test-task-12345678",
  dispatchRepo: "acme/dispatch",
  issueNumber: 42,
  issueTitle: "Update the changelog",
  issueUrl: "https://github.com/acme/dispatch/issues/42",
  instruction: "Add an entry for 1.2.0.",
  targetRepo: "acme/web",
  enqueuedAt: "2025-01-01T00:00:00.000Z",
};

describe("taskJobSchema", () => {
  it("accepts a well-formed job unchanged", () => {
    expect(taskJobSchema.parse(job)).toEqual(job);
  });

  it.each<[string, Partial<Record<keyof TaskJob, unknown>>]>([
    ["another version", { version: 2 }],
    ["a task id containing '..'", { taskId: "a..b" }],
    ["a task id containing '/'", { taskId: "a/b" }],
    ["a dispatch repo that is not owner/name", { dispatchRepo: "acme" }],
    ["'..' as the target repo", { targetRepo: ".." }],
    ["'../x' as the target repo", { targetRepo: "../x" }],
    ["issue number 0", { issueNumber: 0 }],
    ["a fractional issue number", { issueNumber: 1.5 }],
    ["an issue number given as a string", { issueNumber: "42" }],
    ["a title over 1024 characters", { issueTitle: "t".repeat(1025) }],
    ["an instruction over 70,000 characters", { instruction: "i".repeat(70_001) }],
    ["a missing enqueuedAt", { enqueuedAt: undefined }],
    ["a labelledAt that is no ISO time", { labelledAt: "yesterday" }],
  ])("rejects %s", (_name, patch) => {
    expect(taskJobSchema.safeParse({ ...job, ...patch }).success).toBe(false);
  });

  it("accepts the labelling time GitHub gives (updated_at, whole seconds, Z)", () => {
    expect(taskJobSchema.parse({ ...job, labelledAt: "2025-01-01T00:00:00Z" }).labelledAt).toBe("2025-01-01T00:00:00Z");
  });

  it("carries no field for the token", () => {
    const parsed = taskJobSchema.parse({ ...job, githubToken: "ghp_secret" });
    expect(parsed).not.toHaveProperty("githubToken");
  });
});
