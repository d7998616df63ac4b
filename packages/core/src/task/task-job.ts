import { z } from "zod";
import { isValidTaskId } from "./task-id.js";
import { parseRepoRef } from "./repo-name.js";
import { followUpSchema } from "./follow-up.js";

const repoName = z.string().refine((v) => parseRepoRef(v) !== undefined, "must be owner/name");

/**
 * The payload of one queued task. It crosses a trust boundary (Redis may hold
 * data written by another version, or by hand via the board), so workers parse
 * it with this schema. It carries no secret: the token stays in process memory.
 */
export const taskJobSchema = z.object({
  version: z.literal(1),
  taskId: z.string().refine(isValidTaskId, "invalid task id"),
  dispatchRepo: repoName,
  issueNumber: z.number().int().positive(),
  issueTitle: z.string().max(1024),
  issueUrl: z.string().max(2048),
  instruction: z.string().max(70_000),
  targetRepo: repoName,
  enqueuedAt: z.string(),
  /**
   * When the issue was labelled, as the poller first saw it (the issue's `updated_at`, which
   * labelling bumps); absent in jobs queued before it existed. What the labelled-to-PR time is measured from.
   */
  labelledAt: z.iso.datetime({ offset: true }).optional(),
  /** Which run of the task this job is (absent: the first); see jobIdForRun. */
  run: z.number().int().positive().optional(),
  /** Set by `/agent retry`: the one thing that may replace a PR closed without merging. */
  retried: z.boolean().optional(),
  /** Set on a run a follow-up comment on the task's PR asked for: its text is the change step's instruction. */
  followUp: followUpSchema.optional(),
});

export type TaskJob = z.infer<typeof taskJobSchema>;
