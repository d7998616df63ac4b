import { createHash } from "node:crypto";
import type { TaskJob } from "@agent-runner/core";

/**
 * What a run was asked to do: its target and instruction. An edit that
 * changes either makes a new run; a title or label edit does not.
 */
export function taskFingerprint(job: Pick<TaskJob, "targetRepo" | "instruction">): string {
  return createHash("sha256").update(`${job.targetRepo.toLowerCase()}\n${job.instruction}`).digest("hex").slice(0, 32);
}
