import { z } from "zod";

/**
 * A follow-up: a trusted reviewer's comment on a task's PR asking for more
 * work on the same branch (`/agent <free text>`). The text is untrusted input:
 * it is bounded here and cleaned like an instruction before any change step sees it.
 */

/** The longest follow-up text kept; GitHub allows 65,536 characters per comment. */
export const FOLLOW_UP_MAX_CHARS = 20_000;

/** The words that keep their dispatch-issue meaning: on a PR they are not follow-ups (and do nothing). */
const RESERVED_VERBS = new Set(["retry", "cancel"]);

/**
 * The follow-up text a comment carries, if any: its first non-blank line
 * starts with `prefix` followed by whitespace and more text (the rest of that
 * line and every line after it). `<prefix> retry` and `<prefix> cancel` alone
 * are commands, not follow-ups. Bounded to FOLLOW_UP_MAX_CHARS.
 */
export function parseFollowUp(body: string, prefix: string): string | undefined {
  const lines = body.split(/\r?\n/);
  const firstIndex = lines.findIndex((line) => line.trim() !== "");
  const first = lines[firstIndex]?.trim();
  if (first === undefined) return undefined;
  const head = first.slice(0, prefix.length);
  if (head.toLowerCase() !== prefix.toLowerCase()) return undefined;
  const after = first.slice(prefix.length);
  // `/agentfoo` is not the prefix.
  if (after !== "" && !/^\s/.test(after)) return undefined;
  const text = [after.trim(), ...lines.slice(firstIndex + 1)].join("\n").trim();
  if (text === "") return undefined;
  const words = text.split(/\s+/);
  if (words.length === 1 && RESERVED_VERBS.has((words[0] ?? "").toLowerCase())) return undefined;
  return text.length > FOLLOW_UP_MAX_CHARS ? text.slice(0, FOLLOW_UP_MAX_CHARS) : text;
}

/** The longest file name kept from a review comment (GitHub paths can be long; none needs more). */
export const REVIEW_PATH_MAX_CHARS = 1024;

/** Where an inline review comment sits: a file of the PR's diff and, unless it is on the whole file, a line. */
const reviewPlaceSchema = z.object({
  path: z.string().min(1).max(REVIEW_PATH_MAX_CHARS),
  line: z.number().int().positive().optional(),
});

export type ReviewPlace = z.infer<typeof reviewPlaceSchema>;

/** What a follow-up run carries beside its task: which comment, on which PR, asked what. */
export const followUpSchema = z.object({
  /** The comment's id: the reply's marker and the claim key name it (with `review`, a review comment's id). */
  commentId: z.number().int().positive(),
  /**
   * Set when the comment is an inline review comment on the PR's diff (absent: a conversation
   * comment). Review comment ids are another sequence than issue comment ids, so this is part
   * of the comment's identity.
   */
  review: reviewPlaceSchema.optional(),
  /** The task's PR the comment is on. */
  pull: z.number().int().positive(),
  /** The comment's follow-up text (parseFollowUp), not yet cleaned. */
  text: z.string().min(1).max(FOLLOW_UP_MAX_CHARS),
  /** The comment's web address, for the reply and the trace file; never fetched. */
  url: z.string().max(2048),
});

export type FollowUp = z.infer<typeof followUpSchema>;

/**
 * The hidden mark of the runner's one reply to a follow-up comment. It counts
 * only in a comment the runner's own login wrote: anyone may copy it.
 */
export function followUpMarker(taskId: string, commentId: number, kind: FollowUpCommentKind = "conversation"): string {
  const comment = kind === "review" ? { review_comment_id: commentId } : { comment_id: commentId };
  return `<!-- agent-runner:follow-up ${JSON.stringify({ task_id: taskId, ...comment })} -->`;
}

/** A conversation comment on the PR, or an inline review comment on its diff. */
export type FollowUpCommentKind = "conversation" | "review";

export function followUpKind(followUp: Pick<FollowUp, "review">): FollowUpCommentKind {
  return followUp.review === undefined ? "conversation" : "review";
}

/**
 * Where a review comment sits, for people and the change step: `` `src/a.ts` line 12 ``. The
 * file name is repository content (untrusted): control, invisible and bidirectional-control
 * characters and backticks are dropped, and it is bounded, so it can neither break out of its
 * code span, nor add a line, nor read differently than it is.
 */
export function describeReviewPlace(place: ReviewPlace): string {
  const clean = place.path.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069`]/g, "").slice(0, 300);
  return `\`${clean}\`${place.line === undefined ? "" : ` line ${place.line}`}`;
}

/**
 * The change step's instruction for a follow-up: its text, and for an inline review comment
 * where on the diff it was written, since "rename this" means nothing without it.
 */
export function followUpInstruction(followUp: Pick<FollowUp, "text" | "review">): string {
  if (followUp.review === undefined) return followUp.text;
  return `Review comment on ${describeReviewPlace(followUp.review)} of the pull request's diff:\n\n${followUp.text}`;
}
