import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { branchNameFor, taskPrefix, traceFilePathFor } from "./branch-naming.js";
import { parseDispatchIssue, type ParseResult } from "./parse-dispatch-issue.js";
import { formatRepoRef, parseRepoRef, type RepoRef } from "./repo-name.js";
import { isValidTaskId } from "./task-id.js";

const DISPATCH: RepoRef = { owner: "acme", repo: "dispatch" };

/** Everything downstream relies on for an accepted task; throws (fails the property) otherwise. */
function expectSafe(result: ParseResult): void {
  if (!result.ok) {
    // The parser catches its own exceptions; reaching that net means a bug.
    expect(result.message).not.toMatch(/^could not read the issue/);
    return;
  }
  const { taskId, instruction, target } = result.task;
  expect(isValidTaskId(taskId)).toBe(true);

  const prefix = taskPrefix(taskId);
  const branch = branchNameFor(prefix);
  expect(branch).toMatch(/^agent-task-[A-Za-z0-9._-]+$/);
  expect(branch).not.toContain("..");
  expect(branch.endsWith(".")).toBe(false);
  expect(branch.endsWith(".lock")).toBe(false);

  const trace = traceFilePathFor(prefix);
  expect(path.posix.normalize(trace)).toBe(trace);
  expect(trace.startsWith("agent-tasks/")).toBe(true);
  expect(trace.split("/")).toHaveLength(2);

  expect(parseRepoRef(formatRepoRef(target))).toEqual(target);

  expect(instruction).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F]/);
  expect(instruction.length).toBeLessThanOrEqual(65_536);
}

const validTaskId = fc
  .oneof(
    fc.uuid(),
    fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/),
    // A small alphabet, so '.', '..' and '.lock' land on the 8-character boundary often.
    fc.stringMatching(/^[a.lock_-]{1,16}$/),
    fc.stringMatching(/^[0-9]{1,12}$/),
  )
  .filter(isValidTaskId);

const taskIdish = fc.oneof(
  { weight: 6, arbitrary: validTaskId },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("..", "a/b", "abc.", "abc.lock", " x ", "$(id)", "`id`", "a b", "a".repeat(129), ""),
  },
);

const validRepo = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?$/), fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/))
  .map(([owner, repo]) => `${owner}/${repo}`)
  .filter((name) => parseRepoRef(name) !== undefined && !name.includes("--"));

const repoish = fc.oneof(
  { weight: 4, arbitrary: validRepo },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "..",
      "../x",
      "a/b/c",
      "https://github.com/a/b",
      "my org/my repo",
      "owner/repo.git",
      "owner/..",
      "owner/repo#12",
      "owner/repo@main",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

const metadataJson = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.record(
          {
            task_id: fc.oneof(taskIdish, fc.integer(), fc.constant(null)),
            user_id: fc.string({ maxLength: 10 }),
            provider: fc.constant("github_issue_dispatch"),
            target_repo: repoish,
            instruction: fc.string({ unit: "binary", maxLength: 40 }),
          },
          { requiredKeys: ["task_id"] },
        ),
        fc.boolean(),
      )
      .map(([fields, pretty]) => JSON.stringify(fields, null, pretty ? 2 : undefined)),
  },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

const metadataComment = fc
  .tuple(metadataJson, fc.boolean(), fc.nat(9))
  .map(([json, multiline, closedUnlessZero]) => {
    const gap = multiline ? "\n" : " ";
    return `<!-- agent_task_metadata${gap}${json}${gap}${closedUnlessZero === 0 ? "" : "-->"}`;
  });

const fragment = fc.oneof(
  { weight: 4, arbitrary: metadataComment },
  { weight: 2, arbitrary: taskIdish.map((id) => `**Task ID:** \`${id}\``) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }).map((user) => `**User ID:** \`${user}\``) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom("repo", "Repo", "issue", "pr", "branch"), repoish)
      .map(([type, ref]) => `**Target:** ${type} \`${ref}\``),
  },
  { weight: 2, arbitrary: repoish.map((ref) => `Target Repository: ${ref}`) },
  { weight: 1, arbitrary: repoish.map((ref) => `**Target Repository:** \`${ref}\``) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "# Agent Task Delegation",
      "## Instruction",
      "## Instructions",
      "### instructions:",
      "## Notes",
      "#### Detail",
      "---",
      "***",
      "```",
      "```diff",
      "~~~",
      "````",
      "<!--",
      "-->",
      "<!-- note -->",
      "",
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 60 }) },
);

const structuredBody = fc
  .tuple(fc.array(fragment, { maxLength: 25 }), fc.constantFrom("\n", "\r\n", "\r"))
  .map(([parts, eol]) => parts.join(eol));

const title = fc.string({ unit: "binary", maxLength: 80 });

describe("parseDispatchIssue under fuzzing", () => {
  it("never throws and only accepts safe tasks for arbitrary strings", () => {
    fc.assert(
      fc.property(title, fc.option(fc.string({ unit: "binary", maxLength: 400 })), (issueTitle, body) => {
        expectSafe(parseDispatchIssue({ title: issueTitle, body }, DISPATCH));
      }),
      { numRuns: 5_000 },
    );
  });

  it("never throws and only accepts safe tasks for issues built from plausible fragments", () => {
    let accepted = 0;
    const numRuns = 5_000;
    fc.assert(
      fc.property(title, structuredBody, (issueTitle, body) => {
        const result = parseDispatchIssue({ title: issueTitle, body }, DISPATCH);
        expectSafe(result);
        if (result.ok) accepted += 1;
      }),
      { numRuns },
    );
    // Guards the generator: a fuzzer that never builds an acceptable issue checks nothing.
    expect(accepted).toBeGreaterThan(numRuns / 20);
  });

  it("reads every well-formed issue in either format exactly", () => {
    const instructionLine = fc
      .stringMatching(/^[A-Za-z][A-Za-z0-9 ,.()'-]{0,40}$/)
      .filter((line) => !/^target repository/i.test(line));
    fc.assert(
      fc.property(
        validTaskId,
        validRepo,
        fc.array(instructionLine, { minLength: 1, maxLength: 5 }),
        fc.constantFrom("A", "B"),
        fc.constantFrom("\n", "\r\n"),
        (taskId, repo, instructionLines, format, eol) => {
          const body =
            format === "A"
              ? [
                  `<!-- agent_task_metadata {"task_id": "${taskId}"} -->`,
                  "",
                  "## Instruction",
                  "",
                  ...instructionLines,
                  "",
                  `Target Repository: ${repo}`,
                ].join(eol)
              : [
                  "# Agent Task Delegation",
                  "",
                  `**Task ID:** \`${taskId}\``,
                  "**User ID:** `user-1`",
                  "",
                  `**Target:** repo \`${repo}\``,
                  "",
                  "## Instructions",
                  "",
                  ...instructionLines,
                  "",
                  "---",
                  "",
                  "<!-- agent_task_metadata",
                  JSON.stringify({ task_id: taskId, user_id: "user-1", provider: "github_issue_dispatch" }),
                  "-->",
                ].join(eol);
          expect(parseDispatchIssue({ title: "a title", body }, DISPATCH)).toEqual({
            ok: true,
            task: {
              taskId,
              instruction: instructionLines.join("\n").trim(),
              target: parseRepoRef(repo),
              targetSource: format === "A" ? "target_repository_line" : "target_line",
            },
          });
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
