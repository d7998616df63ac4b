import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BRANCH_PREFIX,
  DEFAULT_PREFIX_LENGTH,
  branchNameFor,
  candidatePrefixes,
  taskPrefix,
  traceFilePathFor,
} from "./branch-naming.js";
import { isValidTaskId } from "./task-id.js";

const UUID = "5b0c6f1e-3d2a-4c8b-9e7f-1a2b3c4d5e6f";

/** A branch git accepts as one safe ref component under our prefix. */
function isSafeBranch(branch: string): boolean {
  return (
    /^agent-task-[A-Za-z0-9._-]+$/.test(branch) &&
    !branch.includes("..") &&
    !branch.endsWith(".") &&
    !branch.endsWith(".lock")
  );
}

/** A trace file path that stays directly inside agent-tasks/. */
function isContainedTracePath(file: string): boolean {
  return path.posix.normalize(file) === file && file.startsWith("agent-tasks/") && file.split("/").length === 2;
}

const validTaskId = fc
  .oneof(
    fc.uuid(),
    fc.stringMatching(/^[A-Za-z0-9._-]{1,128}$/),
    // Few letters and many dots: '.', '.lock' and '.lock.' land on every cut.
    fc.stringMatching(/^[a.lock-]{1,70}$/),
    fc.stringMatching(/^[0-9]{1,20}$/),
  )
  .filter(isValidTaskId);

describe("taskPrefix", () => {
  it.each([
    ["the first 8 characters of a long id", "test-task-12345678", "test-tas"],
    ["a short id whole", "abc", "abc"],
    ["an id of exactly 8 characters whole", "12345678", "12345678"],
    ["one more character when the 8th is '.'", "abcdefg.hij", "abcdefg.h"],
    ["one more character when the cut ends in '.lock'", "abc.lockx", "abc.lockx"],
    ["two more characters when the cut ends in '.lock' followed by '.'", "abc.lock.xy", "abc.lock.x"],
  ])("takes %s", (_name, id, expected) => {
    expect(taskPrefix(id)).toBe(expected);
  });

  it("honours an explicit length", () => {
    expect(taskPrefix(UUID, 12)).toBe("5b0c6f1e-3d2");
  });
});

describe("branchNameFor and traceFilePathFor", () => {
  it("name the branch and trace file the way the reference runner did", () => {
    expect(BRANCH_PREFIX).toBe("agent-task-");
    expect(DEFAULT_PREFIX_LENGTH).toBe(8);
    expect(branchNameFor("test-tas")).toBe("agent-task-test-tas");
    expect(traceFilePathFor("test-tas")).toBe("agent-tasks/test-tas.md");
  });

  it("yield a safe branch and a contained trace path for every valid task id", () => {
    fc.assert(
      fc.property(validTaskId, (id) => {
        const prefix = taskPrefix(id);
        expect(isSafeBranch(branchNameFor(prefix))).toBe(true);
        expect(isContainedTracePath(traceFilePathFor(prefix))).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("candidatePrefixes", () => {
  it.each([
    ["a smoke-test id", "test-task-12345678", ["test-tas", "test-task-12", "test-task-123456", "test-task-12345678"]],
    ["a UUID", UUID, ["5b0c6f1e", "5b0c6f1e-3d2", "5b0c6f1e-3d2a-4c", "5b0c6f1e-3d2a-4c8b-9e7f-", "5b0c6f1e-3d2a-4c8b-9e7f-1a2b3c4d", UUID]],
    ["an id of 8 characters", "12345678", ["12345678"]],
    ["a short id", "abc", ["abc"]],
    ["an id one longer than a stretched cut", "abcdefg.h", ["abcdefg.h"]],
  ])("lists the prefixes for %s", (_name, id, expected) => {
    expect(candidatePrefixes(id)).toEqual(expected);
  });

  it("ends in distinct candidates for two ids that share their first 8 characters", () => {
    const first = candidatePrefixes("smoke-test-AAAA");
    const second = candidatePrefixes("smoke-test-BBBB");
    expect(first[0]).toBe(second[0]);
    expect(first.at(-1)).not.toBe(second.at(-1));
  });

  it("lists distinct, growing prefixes of the id, from the 8-character cut to the whole id", () => {
    fc.assert(
      fc.property(validTaskId, (id) => {
        const prefixes = candidatePrefixes(id);
        expect(new Set(prefixes).size).toBe(prefixes.length);
        expect(prefixes.at(-1)).toBe(id);
        const first = prefixes[0] ?? "";
        expect(first).toBe(taskPrefix(id, DEFAULT_PREFIX_LENGTH));
        if (id.length > DEFAULT_PREFIX_LENGTH) {
          const cut = id.slice(0, DEFAULT_PREFIX_LENGTH);
          // Exactly 8 characters unless the cut would end the ref in '.' or '.lock'.
          const stretched = cut.endsWith(".") || cut.endsWith(".lock");
          expect(stretched ? first.length > 8 && first.length <= 10 : first.length === 8).toBe(true);
        }
        for (const [i, prefix] of prefixes.entries()) {
          expect(id.startsWith(prefix)).toBe(true);
          if (i > 0) expect(prefix.length).toBeGreaterThan(prefixes[i - 1]?.length ?? Infinity);
          expect(isSafeBranch(branchNameFor(prefix))).toBe(true);
          expect(isContainedTracePath(traceFilePathFor(prefix))).toBe(true);
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
