import { taskIdProblem } from "./task-id.js";
import { parseRepoRef, type RepoRef } from "./repo-name.js";

export interface DispatchIssueInput {
  readonly title: string;
  readonly body: string | null | undefined;
}

export interface ParsedDispatchTask {
  readonly taskId: string;
  readonly instruction: string;
  readonly target: RepoRef;
  /** Where the target came from, for logs and the PR body. */
  readonly targetSource: "metadata" | "target_repository_line" | "target_line" | "dispatch_repo";
}

export type ParseFailureReason =
  | "missing_metadata"
  | "invalid_metadata_json"
  | "missing_task_id"
  | "invalid_task_id"
  | "conflicting_task_ids"
  | "invalid_target_repo";

export type ParseResult =
  | { readonly ok: true; readonly task: ParsedDispatchTask }
  | { readonly ok: false; readonly reason: ParseFailureReason; readonly message: string };

/** GitHub caps issue bodies at 65,536 characters; anything far beyond is not a real issue. */
const MAX_BODY_CHARS = 262_144;
const MAX_INSTRUCTION_CHARS = 65_536;
const METADATA_OPEN = /<!--\s*agent_task_metadata\b/g;

/**
 * Reads a dispatch issue in either known format (the runner's smoke-test format
 * and the producer's "Agent Task Delegation" format). Pure and total: it returns
 * a failure for any input it cannot use and never throws.
 */
export function parseDispatchIssue(issue: DispatchIssueInput, dispatchRepo: RepoRef): ParseResult {
  try {
    return parse(issue, dispatchRepo);
  } catch (error) {
    // Defence in depth: a parser bug must surface as an invalid issue, not a crashed poll.
    return fail("invalid_metadata_json", `could not read the issue: ${String(error).slice(0, 200)}`);
  }
}

function parse(issue: DispatchIssueInput, dispatchRepo: RepoRef): ParseResult {
  const body = normalise(typeof issue.body === "string" ? issue.body.slice(0, MAX_BODY_CHARS) : "");
  const lines = body.split("\n");
  const inCode = fencedLines(lines);
  const prose = lines.map((line, i) => (inCode[i] ? "" : line)).join("\n");

  const metadata = readMetadata(prose);
  if (!metadata.ok) return metadata;

  const headerTaskId = matchLine(prose, /^\*\*Task ID:\*\*\s*`([^`\n]*)`\s*$/m);
  const metaTaskId = metadata.value === undefined ? undefined : taskIdFrom(metadata.value);
  if (metadata.value !== undefined && metaTaskId === undefined) {
    return fail("missing_task_id", 'the agent_task_metadata JSON has no "task_id" string');
  }
  if (metaTaskId !== undefined && headerTaskId !== undefined && metaTaskId !== headerTaskId) {
    return fail(
      "conflicting_task_ids",
      `the metadata says task_id "${clip(metaTaskId)}" but the **Task ID:** line says "${clip(headerTaskId)}"`,
    );
  }
  const taskId = metaTaskId ?? headerTaskId;
  if (taskId === undefined) {
    return fail(
      "missing_metadata",
      'no `<!-- agent_task_metadata {"task_id": "..."} -->` comment was found outside code blocks',
    );
  }
  const idProblem = taskIdProblem(taskId);
  if (idProblem !== undefined) return fail("invalid_task_id", `task_id "${clip(taskId)}" ${idProblem}`);

  const target = readTarget(prose, metadata.value, dispatchRepo);
  if (!target.ok) return target;

  const instruction = readInstruction(lines, inCode, metadata.value) ?? cleanText(issue.title);
  return {
    ok: true,
    task: { taskId, instruction, target: target.ref, targetSource: target.source },
  };
}

type MetadataResult = { ok: true; value: Record<string, unknown> | undefined } | Extract<ParseResult, { ok: false }>;

function readMetadata(prose: string): MetadataResult {
  const found: Record<string, unknown>[] = [];
  for (const match of prose.matchAll(METADATA_OPEN)) {
    const start = match.index + match[0].length;
    const end = prose.indexOf("-->", start);
    if (end === -1) return fail("invalid_metadata_json", "the agent_task_metadata comment is never closed with -->");
    const raw = prose.slice(start, end).trim();
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return fail("invalid_metadata_json", "the agent_task_metadata comment does not contain valid JSON");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return fail("invalid_metadata_json", "the agent_task_metadata JSON must be an object");
    }
    found.push(value as Record<string, unknown>);
  }
  const ids = new Set(found.map(taskIdFrom));
  if (ids.size > 1) {
    return fail("conflicting_task_ids", "the issue has several agent_task_metadata comments with different task ids");
  }
  return { ok: true, value: found[0] };
}

function taskIdFrom(metadata: Record<string, unknown>): string | undefined {
  const id = metadata["task_id"];
  if (typeof id === "string") return id.trim();
  if (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) return String(id);
  return undefined;
}

type TargetResult =
  | { ok: true; ref: RepoRef; source: ParsedDispatchTask["targetSource"] }
  | Extract<ParseResult, { ok: false }>;

function readTarget(prose: string, metadata: Record<string, unknown> | undefined, dispatchRepo: RepoRef): TargetResult {
  const fromMeta = metadata?.["target_repo"];
  if (fromMeta !== undefined) {
    return checkTarget(typeof fromMeta === "string" ? fromMeta : JSON.stringify(fromMeta), "metadata");
  }
  const line = targetRepositoryLine(prose);
  if (line !== undefined) return checkTarget(line, "target_repository_line");
  const typed = /^[ \t]*\*\*Target:\*\*[ \t]*([A-Za-z_-]+)[ \t]+`([^`\n]*)`/m.exec(prose);
  if (typed?.[2] !== undefined) {
    // Other target types name a thing inside a repo (`owner/repo#12`): the repo is what we need.
    const ref = typed[1]?.toLowerCase() === "repo" ? typed[2] : typed[2].replace(/[#@].*$/, "");
    return checkTarget(ref, "target_line");
  }
  return { ok: true, ref: dispatchRepo, source: "dispatch_repo" };
}

/**
 * The value of the first `Target Repository: owner/name` line, optionally bold
 * and in backticks. The line is matched by its prefix and the value unwrapped in
 * code: one regex with three overlapping space quantifiers backtracked
 * cubically on a long line of spaces.
 */
function targetRepositoryLine(prose: string): string | undefined {
  for (const match of prose.matchAll(/^[ \t]*\**Target Repository:?\**:?(.*)$/gim)) {
    let value = (match[1] ?? "").trim();
    if (value.startsWith("`")) value = value.slice(1);
    if (value.endsWith("`")) value = value.slice(0, -1);
    if (value.includes("`")) continue; // not a plain value: look further, as before
    value = value.trim();
    return value === "" ? undefined : value;
  }
  return undefined;
}

function checkTarget(value: string, source: ParsedDispatchTask["targetSource"]): TargetResult {
  const ref = parseRepoRef(value);
  if (ref === undefined) {
    return fail("invalid_target_repo", `target repository "${clip(value)}" is not of the form owner/name`);
  }
  return { ok: true, ref, source };
}

// `(?:[ \t]*:)?` rather than `[ \t]*:?[ \t]*`: two adjacent space runs backtrack quadratically.
const INSTRUCTION_HEADING = /^#{1,3}[ \t]+Instructions?(?:[ \t]*:)?[ \t]*$/i;
const SECTION_END = /^(#{1,3}[ \t]+\S|---+[ \t]*$|\*\*\*+[ \t]*$)/;
const TARGET_LINE = /^[ \t]*\**Target Repository:?\**:?/i;

function readInstruction(
  lines: string[],
  inCode: boolean[],
  metadata: Record<string, unknown> | undefined,
): string | undefined {
  const fromMeta = metadata?.["instruction"];
  if (typeof fromMeta === "string" && cleanText(fromMeta) !== "") return cleanText(fromMeta);
  const start = lines.findIndex((line, i) => !inCode[i] && INSTRUCTION_HEADING.test(line));
  if (start === -1) return undefined;
  // Runs of prose and of code alternate; HTML comments are hidden text (our
  // metadata among them) and are dropped from prose, while code is kept verbatim.
  const runs: { code: boolean; lines: string[] }[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const code = inCode[i] === true;
    if (!code && SECTION_END.test(line)) break;
    if (!code && TARGET_LINE.test(line)) continue;
    const last = runs.at(-1);
    if (last !== undefined && last.code === code) last.lines.push(line);
    else runs.push({ code, lines: [line] });
  }
  const text = runs
    .map((run) => (run.code ? run.lines.join("\n") : run.lines.join("\n").replace(/<!--[\s\S]*?(?:-->|$)/g, "")))
    .join("\n");
  const cleaned = cleanText(text);
  return cleaned === "" ? undefined : cleaned;
}

/** Marks the lines inside fenced code blocks (``` or ~~~), fences included. */
function fencedLines(lines: string[]): boolean[] {
  const out: boolean[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    const match = /^[ ]{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === undefined) {
      if (match?.[1] !== undefined) {
        fence = match[1];
        out.push(true);
        continue;
      }
      out.push(false);
    } else {
      out.push(true);
      if (match?.[1] !== undefined && match[1][0] === fence[0] && match[1].length >= fence.length) {
        fence = undefined;
      }
    }
  }
  return out;
}

function matchLine(text: string, pattern: RegExp): string | undefined {
  const value = pattern.exec(text)?.[1]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function normalise(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** Drops control characters other than tab and newline, trims, and caps the length. */
function cleanText(text: string): string {
  const cleaned = normalise(text).replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, "").trim();
  return cleaned.length > MAX_INSTRUCTION_CHARS ? cleaned.slice(0, MAX_INSTRUCTION_CHARS) : cleaned;
}

function clip(value: string): string {
  const single = value.replace(/\s+/g, " ");
  return single.length > 80 ? `${single.slice(0, 77)}...` : single;
}

function fail(reason: ParseFailureReason, message: string): Extract<ParseResult, { ok: false }> {
  return { ok: false, reason, message };
}

