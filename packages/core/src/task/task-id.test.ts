import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidTaskId, jobIdForRun, jobIdForTask, taskIdProblem } from "./task-id.js";

/**
 * BullMQ's Job.validateOptions refuses a custom job id that survives a
 * parseInt round trip ("Custom Id cannot be integers") and one containing ':'.
 */
const bullmqAcceptsJobId = (id: string): boolean => `${Number.parseInt(id, 10)}` !== id && !id.includes(":");

const validTaskId = fc
  .oneof(
    fc.uuid(),
    fc.stringMatching(/^[A-Za-z0-9._-]{1,128}$/),
    fc.stringMatching(/^-?[0-9]{1,20}$/),
    fc.stringMatching(/^[0-9.e+-]{1,10}$/),
  )
  .filter(isValidTaskId);

describe("taskIdProblem", () => {
  it.each([
    ["a smoke-test id", "test-task-12345678"],
    ["a UUID", "5b0c6f1e-3d2a-4c8b-9e7f-1a2b3c4d5e6f"],
    ["an id of only digits", "12345678"],
    ["a negative number", "-1"],
    ["a single letter", "a"],
    ["every allowed punctuation mark", "A_b.c-d"],
    ["an id starting with '.'", ".hidden"],
    ["single dots between letters", "a.b.c"],
    ["an id of exactly 128 characters", "x".repeat(128)],
    ["'lock' without a dot", "lock"],
    ["'.locked'", "abc.locked"],
  ])("accepts %s", (_name, id) => {
    expect(taskIdProblem(id)).toBeUndefined();
    expect(isValidTaskId(id)).toBe(true);
  });

  it.each([
    ["an empty id", ""],
    ["an id of 129 characters", "x".repeat(129)],
    ["an id containing '..'", "a..b"],
    ["an id containing '/'", "a/b"],
    ["an id containing a space", "a b"],
    ["an id containing ':'", "a:b"],
    ["an id containing '@'", "@123"],
    ["an id ending in '.'", "abc."],
    ["an id ending in '.lock'", "abc.lock"],
    ["an id of only '.lock'", ".lock"],
    ["an id with a trailing newline", "abc\n"],
    ["a non-ASCII id", "tâche"],
    ["an id with shell metacharacters", "$(id);`x`"],
  ])("rejects %s", (_name, id) => {
    expect(taskIdProblem(id)).toEqual(expect.any(String));
    expect(isValidTaskId(id)).toBe(false);
  });
});

describe("jobIdForTask", () => {
  it.each([
    ["0", "0"],
    ["7", "7"],
    ["12345678", "12345678"],
    ["007", "007"],
    ["128 nines", "9".repeat(128)],
    ["-1", "-1"],
    ["-42", "-42"],
  ])("maps the integer-looking id %s to a non-integer job id", (_name, id) => {
    const jobId = jobIdForTask(id);
    expect(jobId).toBe(`@${id}`);
    expect(bullmqAcceptsJobId(jobId)).toBe(true);
    expect(isValidTaskId(jobId)).toBe(false);
  });

  it.each(["test-task-12345678", "5b0c6f1e-3d2a-4c8b-9e7f-1a2b3c4d5e6f", "1a", "1.5", "1e5", "abc"])(
    "leaves the id %j unchanged",
    (id) => {
      expect(jobIdForTask(id)).toBe(id);
    },
  );

  it("maps every valid task id to a job id BullMQ accepts", () => {
    fc.assert(
      fc.property(validTaskId, (id) => {
        expect(bullmqAcceptsJobId(jobIdForTask(id))).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it("never maps two valid task ids to the same job id", () => {
    fc.assert(
      fc.property(validTaskId, validTaskId, (a, b) => {
        fc.pre(a !== b);
        expect(jobIdForTask(a)).not.toBe(jobIdForTask(b));
      }),
      { numRuns: 2_000 },
    );
    // Random pairs rarely meet; the dangerous pairs are an id and its own mapping.
    for (const id of ["123", "-5", "0"]) {
      const mapped = jobIdForTask(id);
      expect(mapped === id || !isValidTaskId(mapped)).toBe(true);
    }
  });
});

describe("jobIdForRun", () => {
  it("keeps the first run's job id the task's own, so jobs queued before runs existed are still recognised", () => {
    expect(jobIdForRun("task-1", 1)).toBe(jobIdForTask("task-1"));
    expect(jobIdForRun("12345678", 1)).toBe("@12345678");
  });

  it("gives every later run its own job id that BullMQ accepts", () => {
    expect(jobIdForRun("task-1", 2)).toBe("task-1#2");
    expect(jobIdForRun("7", 3)).toBe("@7#3");
    expect(bullmqAcceptsJobId(jobIdForRun("7", 3))).toBe(true);
    expect(new Set([1, 2, 3, 10].map((run) => jobIdForRun("task-1", run))).size).toBe(4);
  });
});
