import { describe, expect, it } from "vitest";
import {
  parseDispatchIssue,
  type ParseFailureReason,
  type ParsedDispatchTask,
} from "./parse-dispatch-issue.js";
import { parseRepoRef, type RepoRef } from "./repo-name.js";

const DISPATCH: RepoRef = { owner: "acme", repo: "dispatch" };
const TITLE = "Update the changelog";
const UUID = "5b0c6f1e-3d2a-4c8b-9e7f-1a2b3c4d5e6f";

const lines = (...parts: string[]): string => parts.join("\n");
const meta = (json: string): string => `<!-- agent_task_metadata ${json} -->`;
const metaFor = (fields: Record<string, unknown>): string => meta(JSON.stringify(fields));
const withId = (taskId: unknown): string => metaFor({ task_id: taskId });

/** The runner's own smoke-test issue (format A). */
const SMOKE_BODY = lines(
  '<!-- agent_task_metadata {"task_id": "test-task-12345678"} -->',
  "",
  "## Instruction",
  "",
  "Add a short section about deployment to the README.",
  "",
  "Target Repository: owner/target-repo",
  "",
);

/** The producer's "Agent Task Delegation" issue (format B). */
const PRODUCER_BODY = lines(
  "# Agent Task Delegation",
  "",
  `**Task ID:** \`${UUID}\``,
  "**User ID:** `user-7`",
  "",
  "**Target:** repo `owner/repo`",
  "",
  "## Instructions",
  "",
  "Rename the `fetchAll` helper to `fetchAllPages`.",
  "Update every caller.",
  "",
  "---",
  "",
  "<!-- agent_task_metadata",
  `{"task_id": "${UUID}", "user_id": "user-7", "provider": "github_issue_dispatch"}`,
  "-->",
);
const PRODUCER_INSTRUCTION = "Rename the `fetchAll` helper to `fetchAllPages`.\nUpdate every caller.";

const FILLER = "lorem ipsum dolor sit amet\n".repeat(40_000); // a little over 1 MB

type Expected =
  | {
      readonly ok: true;
      readonly taskId: string;
      readonly instruction: string;
      readonly target: string;
      readonly source: ParsedDispatchTask["targetSource"];
    }
  | { readonly ok: false; readonly reason: ParseFailureReason };

interface Case {
  readonly name: string;
  readonly title?: string;
  readonly body: string | null | undefined;
  readonly expected: Expected;
}

const ok = (
  taskId: string,
  instruction: string,
  target: string,
  source: ParsedDispatchTask["targetSource"],
): Expected => ({ ok: true, taskId, instruction, target, source });
const inDispatchRepo = (taskId: string, instruction = TITLE): Expected =>
  ok(taskId, instruction, "acme/dispatch", "dispatch_repo");
const failure = (reason: ParseFailureReason): Expected => ({ ok: false, reason });

const cases: Case[] = [
  // The two real formats.
  {
    name: "reads the smoke-test format (A) and leaves the Target line out of the instruction",
    body: SMOKE_BODY,
    expected: ok(
      "test-task-12345678",
      "Add a short section about deployment to the README.",
      "owner/target-repo",
      "target_repository_line",
    ),
  },
  {
    name: "reads format A with CRLF line endings",
    body: SMOKE_BODY.replace(/\n/g, "\r\n"),
    expected: ok(
      "test-task-12345678",
      "Add a short section about deployment to the README.",
      "owner/target-repo",
      "target_repository_line",
    ),
  },
  {
    name: "reads format A with bare CR line endings",
    body: SMOKE_BODY.replace(/\n/g, "\r"),
    expected: ok(
      "test-task-12345678",
      "Add a short section about deployment to the README.",
      "owner/target-repo",
      "target_repository_line",
    ),
  },
  {
    name: "reads format A whose multi-line metadata comment sits inside the instruction section",
    body: lines(
      "## Instruction",
      "Refactor the parser.",
      "Target Repository: owner/target-repo",
      "<!-- agent_task_metadata",
      '{"task_id": "test-task-12345678"}',
      "-->",
    ),
    expected: ok("test-task-12345678", "Refactor the parser.", "owner/target-repo", "target_repository_line"),
  },
  {
    name: "reads the producer's Agent Task Delegation format (B)",
    body: PRODUCER_BODY,
    expected: ok(UUID, PRODUCER_INSTRUCTION, "owner/repo", "target_line"),
  },
  {
    name: "reads format B with CRLF line endings",
    body: PRODUCER_BODY.replace(/\n/g, "\r\n"),
    expected: ok(UUID, PRODUCER_INSTRUCTION, "owner/repo", "target_line"),
  },
  {
    name: "reads format B from its **Task ID:** line when the metadata comment is missing",
    body: PRODUCER_BODY.slice(0, PRODUCER_BODY.indexOf("<!--")),
    expected: ok(UUID, PRODUCER_INSTRUCTION, "owner/repo", "target_line"),
  },

  // Bodies without metadata.
  { name: "reports missing_metadata for a null body", body: null, expected: failure("missing_metadata") },
  { name: "reports missing_metadata for an undefined body", body: undefined, expected: failure("missing_metadata") },
  { name: "reports missing_metadata for an empty body", body: "", expected: failure("missing_metadata") },
  {
    name: "reports missing_metadata for a body of only whitespace",
    body: " \n\t\r\n ",
    expected: failure("missing_metadata"),
  },
  {
    name: "reports missing_metadata for prose without any metadata",
    body: lines("Please fix the bug.", "", "## Instructions", "Do it."),
    expected: failure("missing_metadata"),
  },
  {
    name: "ignores a comment whose marker only starts with agent_task_metadata",
    body: '<!-- agent_task_metadata_v2 {"task_id": "abc"} -->',
    expected: failure("missing_metadata"),
  },

  // Broken metadata.
  { name: "rejects metadata that is not JSON", body: meta("{task_id: abc}"), expected: failure("invalid_metadata_json") },
  { name: "rejects a JSON array as metadata", body: meta('["abc"]'), expected: failure("invalid_metadata_json") },
  { name: "rejects a JSON string as metadata", body: meta('"abc"'), expected: failure("invalid_metadata_json") },
  { name: "rejects JSON null as metadata", body: meta("null"), expected: failure("invalid_metadata_json") },
  {
    name: "rejects an empty metadata comment",
    body: "<!-- agent_task_metadata -->",
    expected: failure("invalid_metadata_json"),
  },
  {
    name: "rejects a metadata comment that is never closed",
    body: lines('<!-- agent_task_metadata {"task_id": "abc"}', "", "## Instructions", "Do it."),
    expected: failure("invalid_metadata_json"),
  },
  {
    name: "reports missing_task_id for metadata without a task_id",
    body: metaFor({ user_id: "u" }),
    expected: failure("missing_task_id"),
  },
  { name: "reports missing_task_id for a null task_id", body: withId(null), expected: failure("missing_task_id") },
  { name: "reports missing_task_id for a boolean task_id", body: withId(true), expected: failure("missing_task_id") },
  { name: "reports missing_task_id for a negative task_id", body: withId(-1), expected: failure("missing_task_id") },
  { name: "reports missing_task_id for a fractional task_id", body: withId(1.5), expected: failure("missing_task_id") },
  {
    name: "accepts a numeric task_id as its decimal string",
    body: meta('{"task_id": 123456789}'),
    expected: inDispatchRepo("123456789"),
  },
  {
    name: "trims whitespace around the task id",
    body: withId("  abc-123  "),
    expected: inDispatchRepo("abc-123"),
  },

  // Code fences hide what they contain.
  {
    name: "ignores metadata inside a ``` fence",
    body: lines("```", withId("abc"), "```"),
    expected: failure("missing_metadata"),
  },
  {
    name: "ignores metadata inside a ~~~ fence",
    body: lines("~~~markdown", withId("abc"), "~~~"),
    expected: failure("missing_metadata"),
  },
  {
    name: "ignores a **Task ID:** line inside a fence",
    body: lines("```", "**Task ID:** `abc`", "```"),
    expected: failure("missing_metadata"),
  },
  {
    name: "uses the metadata outside a fence when a fenced example shows another id",
    body: lines("Example:", "```", withId("example-id"), "```", withId("real-id")),
    expected: inDispatchRepo("real-id"),
  },
  {
    name: "treats everything after an unclosed fence as code",
    body: lines("```", "oops, no closing fence", withId("abc")),
    expected: failure("missing_metadata"),
  },

  // Several sources of the task id.
  {
    name: "accepts two metadata comments with the same task id",
    body: lines(withId("same-id"), "text", metaFor({ task_id: "same-id", provider: "x" })),
    expected: inDispatchRepo("same-id"),
  },
  {
    name: "rejects two metadata comments with different task ids",
    body: lines(withId("first-id"), "text", withId("second-id")),
    expected: failure("conflicting_task_ids"),
  },
  {
    name: "rejects a **Task ID:** line that disagrees with the metadata",
    body: PRODUCER_BODY.replace(`**Task ID:** \`${UUID}\``, "**Task ID:** `another-id`"),
    expected: failure("conflicting_task_ids"),
  },

  // Task ids become git refs, file names and job ids.
  { name: "accepts a task id of only digits", body: withId("12345678"), expected: inDispatchRepo("12345678") },
  {
    name: "accepts a task id of exactly 128 characters",
    body: withId("a".repeat(128)),
    expected: inDispatchRepo("a".repeat(128)),
  },
  { name: "rejects a task id of 129 characters", body: withId("a".repeat(129)), expected: failure("invalid_task_id") },
  { name: "rejects a 10 KB task id", body: withId("x".repeat(10_240)), expected: failure("invalid_task_id") },
  { name: "rejects a task id containing '..'", body: withId("abc..def"), expected: failure("invalid_task_id") },
  { name: "rejects a path-traversal task id", body: withId("../../etc/passwd"), expected: failure("invalid_task_id") },
  { name: "rejects a task id containing '/'", body: withId("feature/x"), expected: failure("invalid_task_id") },
  { name: "rejects a task id containing a space", body: withId("my task"), expected: failure("invalid_task_id") },
  { name: "rejects a task id containing a newline", body: withId("abc\ndef"), expected: failure("invalid_task_id") },
  { name: "rejects a task id with accented letters", body: withId("tâche-1"), expected: failure("invalid_task_id") },
  { name: "rejects a task id with an emoji", body: withId("task-🚀"), expected: failure("invalid_task_id") },
  { name: "rejects a task id containing ';'", body: withId("abc;rm -rf ~"), expected: failure("invalid_task_id") },
  { name: "rejects a task id containing $()", body: withId("$(reboot)"), expected: failure("invalid_task_id") },
  { name: "rejects a task id containing backticks", body: withId("`id`"), expected: failure("invalid_task_id") },
  { name: "rejects a task id ending in '.lock'", body: withId("abc.lock"), expected: failure("invalid_task_id") },
  { name: "rejects a task id ending in '.'", body: withId("abc."), expected: failure("invalid_task_id") },
  { name: "rejects an empty task id", body: withId(""), expected: failure("invalid_task_id") },
  {
    name: "rejects an invalid task id taken from the **Task ID:** line",
    body: "**Task ID:** `a/b`",
    expected: failure("invalid_task_id"),
  },

  // Targets.
  {
    name: "falls back to the dispatch repo when the issue names no target",
    body: lines(withId("abc"), "## Instructions", "Do it."),
    expected: inDispatchRepo("abc", "Do it."),
  },
  {
    name: "reads a bold, backticked Target Repository line",
    body: lines(withId("abc"), "**Target Repository:** `owner/x`"),
    expected: ok("abc", TITLE, "owner/x", "target_repository_line"),
  },
  {
    name: "reads a lower-case Target Repository line in backticks",
    body: lines(withId("abc"), "target repository: `owner/x`"),
    expected: ok("abc", TITLE, "owner/x", "target_repository_line"),
  },
  {
    name: "skips a Target Repository line holding several code spans and reads the next one",
    body: lines(withId("abc"), "Target Repository: `a/b` (see `docs`)", "Target Repository: owner/next"),
    expected: ok("abc", TITLE, "owner/next", "target_repository_line"),
  },
  {
    name: "falls through an empty Target Repository line to the **Target:** line",
    body: lines(withId("abc"), "Target Repository:", "**Target:** repo `owner/repo`"),
    expected: ok("abc", TITLE, "owner/repo", "target_line"),
  },
  {
    name: "rejects '..' as the target repository",
    body: lines(withId("abc"), "Target Repository: .."),
    expected: failure("invalid_target_repo"),
  },
  {
    name: "rejects '../x' as the target repository",
    body: lines(withId("abc"), "Target Repository: ../x"),
    expected: failure("invalid_target_repo"),
  },
  {
    name: "rejects 'a/b/c' as the target repository",
    body: lines(withId("abc"), "Target Repository: a/b/c"),
    expected: failure("invalid_target_repo"),
  },
  {
    name: "rejects a URL as the target repository",
    body: lines(withId("abc"), "Target Repository: https://github.com/a/b"),
    expected: failure("invalid_target_repo"),
  },
  {
    name: "rejects a target repository whose names contain spaces",
    body: lines(withId("abc"), "Target Repository: my org/my repo"),
    expected: failure("invalid_target_repo"),
  },
  {
    name: "rejects a target repository ending in .git",
    body: lines(withId("abc"), "Target Repository: owner/repo.git"),
    expected: failure("invalid_target_repo"),
  },
  {
    name: "rejects '../x' on a **Target:** repo line",
    body: lines(withId("abc"), "**Target:** repo `../x`"),
    expected: failure("invalid_target_repo"),
  },
  {
    name: "reduces an issue target to its repository",
    body: lines(withId("abc"), "**Target:** issue `owner/repo#12`"),
    expected: ok("abc", TITLE, "owner/repo", "target_line"),
  },
  {
    name: "prefers target_repo from the metadata over the Target Repository line",
    body: lines(metaFor({ task_id: "abc", target_repo: "meta-owner/meta-repo" }), "Target Repository: line/repo"),
    expected: ok("abc", TITLE, "meta-owner/meta-repo", "metadata"),
  },
  {
    name: "rejects an invalid target_repo in the metadata even when the line is valid",
    body: lines(metaFor({ task_id: "abc", target_repo: ".." }), "Target Repository: line/repo"),
    expected: failure("invalid_target_repo"),
  },
  {
    name: "rejects a target_repo that is not a string",
    body: metaFor({ task_id: "abc", target_repo: 42 }),
    expected: failure("invalid_target_repo"),
  },
  {
    name: "does not read a Target Repository line inside a fence",
    body: lines(withId("abc"), "```", "Target Repository: evil/repo", "```"),
    expected: inDispatchRepo("abc"),
  },

  // Instructions.
  {
    name: "prefers the instruction from the metadata over the section",
    body: lines(metaFor({ task_id: "abc", instruction: "From metadata." }), "## Instructions", "From section."),
    expected: inDispatchRepo("abc", "From metadata."),
  },
  {
    name: "falls back to the section when the metadata instruction is blank",
    body: lines(metaFor({ task_id: "abc", instruction: "  \u0007 " }), "## Instructions", "From section."),
    expected: inDispatchRepo("abc", "From section."),
  },
  {
    name: "falls back to the issue title without an instruction section",
    body: withId("abc"),
    expected: inDispatchRepo("abc"),
  },
  {
    name: "falls back to the issue title when the section holds only the Target line",
    body: lines(withId("abc"), "## Instruction", "", "Target Repository: owner/target-repo", ""),
    expected: ok("abc", TITLE, "owner/target-repo", "target_repository_line"),
  },
  {
    name: "strips control characters from the title fallback",
    title: "Fix\u0000 the\u001b build",
    body: withId("abc"),
    expected: inDispatchRepo("abc", "Fix the build"),
  },
  {
    name: "strips HTML comments, even multi-line ones, from the instruction prose",
    body: lines(withId("abc"), "## Instructions", "Line one.", "<!-- reviewer note:", "do not ship -->", "Line two."),
    expected: inDispatchRepo("abc", "Line one.\n\nLine two."),
  },
  {
    name: "keeps fenced code verbatim, including an HTML comment inside a diff block",
    body: lines(
      withId("abc"),
      "## Instructions",
      "Apply this patch:",
      "```diff",
      "- old <!-- x -->",
      "+ new",
      "```",
      "Then run the tests. <!-- internal note -->",
    ),
    expected: inDispatchRepo("abc", "Apply this patch:\n```diff\n- old <!-- x -->\n+ new\n```\nThen run the tests."),
  },
  {
    name: "keeps headings and rules inside a fence as part of the instruction",
    body: lines(withId("abc"), "## Instructions", "Run:", "```sh", "## not a heading", "---", "echo done", "```", "Thanks."),
    expected: inDispatchRepo("abc", "Run:\n```sh\n## not a heading\n---\necho done\n```\nThanks."),
  },
  {
    name: "strips control characters from the instruction but keeps tabs",
    body: lines(withId("abc"), "## Instructions", "Say\u0000 hello\u0007\tworld\u001b[0m\u007f"),
    expected: inDispatchRepo("abc", "Say hello\tworld[0m"),
  },
  {
    name: "ends the instruction section at the next heading",
    body: lines(withId("abc"), "## Instructions", "Do A.", "## Notes", "Not this."),
    expected: inDispatchRepo("abc", "Do A."),
  },
  {
    name: "keeps level-4 headings inside the instruction section",
    body: lines(withId("abc"), "## Instructions", "Do A.", "#### Detail", "And B."),
    expected: inDispatchRepo("abc", "Do A.\n#### Detail\nAnd B."),
  },
  {
    name: "accepts a lower-case instruction heading with a colon",
    body: lines(withId("abc"), "### instructions:", "Do A."),
    expected: inDispatchRepo("abc", "Do A."),
  },

  // Size.
  {
    name: "reads a 1 MB body whose metadata and instruction come first",
    body: lines(withId("big-task-1"), "## Instructions", "Do it.", "---", FILLER),
    expected: inDispatchRepo("big-task-1", "Do it."),
  },
  {
    name: "does not look for metadata beyond the first 256 KiB of a 1 MB body",
    body: FILLER + withId("late-task"),
    expected: failure("missing_metadata"),
  },
];

describe("parseDispatchIssue", () => {
  it("has a table of at least 45 distinct cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)("$name", ({ title, body, expected }) => {
    const result = parseDispatchIssue({ title: title ?? TITLE, body }, DISPATCH);
    if (expected.ok) {
      expect(result).toEqual({
        ok: true,
        task: {
          taskId: expected.taskId,
          instruction: expected.instruction,
          target: parseRepoRef(expected.target),
          targetSource: expected.source,
        },
      });
    } else {
      expect(result).toMatchObject({ ok: false, reason: expected.reason });
      if (!result.ok) {
        expect(result.message).not.toBe("");
        expect(result.message).not.toMatch(/^could not read the issue/);
      }
    }
  });

  it("clips a long invalid value in the failure message", () => {
    const result = parseDispatchIssue({ title: TITLE, body: withId("x".repeat(10_240)) }, DISPATCH);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeLessThan(200);
  });

  it("returns the dispatch repo it was given as the fallback target", () => {
    const other: RepoRef = { owner: "someone", repo: "elsewhere" };
    const result = parseDispatchIssue({ title: TITLE, body: withId("abc") }, other);
    expect(result).toMatchObject({ ok: true, task: { target: other, targetSource: "dispatch_repo" } });
  });

  it("caps the instruction at 65,536 characters", () => {
    const body = lines(withId("abc"), "## Instructions", "y".repeat(100_000));
    const result = parseDispatchIssue({ title: TITLE, body }, DISPATCH);
    expect(result.ok && result.task.instruction).toBe("y".repeat(65_536));
  });
});

const META = withId("slow-task");
// The parser reads the first 262,144 characters; the padding stays below that so
// the characters that would make a regex backtrack are actually seen.
const PAD = 250_000;
const pathological: [string, string][] = [
  ["an instruction heading followed by spaces and a stray character", `${META}\n## Instructions${" ".repeat(PAD)}x`],
  ["a Target Repository line padded with spaces before stray backticks", `${META}\nTarget Repository:${" ".repeat(PAD)}\`a\`b`],
  ["a Target Repository line of spaces and tabs", `${META}\n**Target Repository:**${" \t".repeat(PAD / 2)}x\`y`],
  ["a **Target:** line with a very long type", `${META}\n**Target:** ${"a".repeat(PAD)}!`],
  ["a **Task ID:** line with an unterminated code span", `**Task ID:** \`${"a".repeat(PAD)}`],
  ["a **Task ID:** line followed by a sea of whitespace", `**Task ID:** \`abc\`${" \n".repeat(PAD / 2)}x`],
  ["a body of comment openers", "<!--".repeat(PAD / 4)],
  ["a body of metadata markers", "<!-- agent_task_metadata ".repeat(PAD / 25)],
  ["a body of fence lines", "```\n".repeat(PAD / 4)],
  ["an instruction full of unclosed HTML comments", `${META}\n## Instructions\n${"<!-- a\n".repeat(PAD / 7)}`],
  ["a horizontal rule padded with spaces", `${META}\n## Instructions\nDo.\n---${" ".repeat(PAD)}x`],
  ["an instruction of control characters", `${META}\n## Instructions\n${"\u0001\u0007".repeat(PAD / 2)}`],
  ["a 1 MB body of one long line", `${META}\n## Instructions\n${"word ".repeat(200_000)}`],
];

describe("parseDispatchIssue on hostile input", () => {
  it.each(pathological)("returns within a second for %s", (_name, body) => {
    const started = performance.now();
    const result = parseDispatchIssue({ title: TITLE, body }, DISPATCH);
    const elapsed = performance.now() - started;
    if (!result.ok) expect(result.message).not.toMatch(/^could not read the issue/);
    expect(elapsed).toBeLessThan(1_000);
  });
});
