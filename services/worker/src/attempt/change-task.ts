import { describeReviewPlace, followUpInstruction, traceFilePathFor, type FollowUp, type TaskJob } from "@agent-runner/core";
import { describeStripped, sanitizeInstruction } from "../change/instruction-hygiene.js";
import type { ChangeTask } from "../change/task-handler.js";

/**
 * What the change step is told about the task and the branch it works on.
 * The instruction is cleaned first: text hidden from the humans who review an
 * issue (HTML comments, invisible and bidirectional-control characters) is a
 * classic way to slip instructions past them to an agent.
 */
export function changeTask(job: TaskJob, branch: { prefix: string; branch: string }, agentName: string): ChangeTask {
  // A follow-up run does what the reviewer's comment asks, on the branch the earlier runs left.
  // An inline review comment's instruction says which file and line it was written on.
  const clean = sanitizeInstruction(job.followUp === undefined ? job.instruction : followUpInstruction(job.followUp));
  return {
    taskId: job.taskId,
    prefix: branch.prefix,
    branch: branch.branch,
    instruction: clean.text,
    instructionNotice: describeStripped(clean.stripped),
    issueNumber: job.issueNumber,
    issueTitle: job.issueTitle,
    issueUrl: job.issueUrl,
    dispatchRepo: job.dispatchRepo,
    targetRepo: job.targetRepo,
    agentName,
    enqueuedAt: job.enqueuedAt,
    traceFilePath: traceFilePathFor(branch.prefix),
    ...(job.followUp === undefined ? {} : { followUp: followUpOfTask(job.followUp) }),
  };
}

/** The task's commit: the `Task-Id:` trailer lets people (and the audits of the tests) find a task's commits. */
export function commitMessage(issueNumber: number, taskId: string): string {
  return `Process agent task from dispatch issue #${issueNumber}\n\nTask-Id: ${taskId}\n`;
}

/** What the trace file says about the comment a follow-up run answers. */
function followUpOfTask(followUp: FollowUp): NonNullable<ChangeTask["followUp"]> {
  const commentUrl = followUp.url.replace(/\s/g, "");
  return followUp.review === undefined ? { pull: followUp.pull, commentUrl } : { pull: followUp.pull, commentUrl, place: describeReviewPlace(followUp.review) };
}

/** A follow-up run's commit: which PR comment asked for it, and the same trailer. */
export function followUpCommitMessage(issueNumber: number, taskId: string, pull: number): string {
  return `Follow up on review of pull request #${pull} (dispatch issue #${issueNumber})\n\nTask-Id: ${taskId}\n`;
}

/** The task id a commit message names in its `Task-Id:` trailer. Anyone can write one: it is a label, not proof of authorship. */
export function taskIdTrailer(message: string): string | undefined {
  return /^Task-Id:[ \t]*(\S+)[ \t]*$/m.exec(message)?.[1];
}
