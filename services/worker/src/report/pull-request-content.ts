import type { ChangeTask } from "../change/task-handler.js";
import { correlationComment, failedMarker } from "@agent-runner/core";

const MAX_TITLE = 256;

export function pullRequestTitle(task: ChangeTask): string {
  const title = `Agent task: ${task.issueTitle.replace(/\s+/g, " ").trim()}`;
  return title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 3)}...` : title;
}

export function pullRequestBody(task: ChangeTask, changeSummary: string): string {
  return [
    correlationComment(task.taskId),
    "",
    `Fixes ${task.dispatchRepo}#${task.issueNumber}`,
    "",
    "## Task details",
    "",
    `- **Task ID:** \`${task.taskId}\``,
    `- **Dispatch issue:** ${task.issueUrl}`,
    `- **Agent:** ${task.agentName}`,
    `- **Trace file:** \`${task.traceFilePath}\``,
    "",
    "## Change",
    "",
    changeSummary,
    "",
  ].join("\n");
}

/** The title of a PR a timed-out run opened with what it had written. */
export function incompletePullTitle(task: ChangeTask): string {
  return `[incomplete] ${pullRequestTitle(task)}`.slice(0, MAX_TITLE);
}

export function incompletePullBody(task: ChangeTask, why: string): string {
  const note =
    `**Incomplete:** the change step was stopped (${why}) before it finished; this draft holds what it had written. ` +
    "Comment `/agent retry` on the dispatch issue to continue on this branch.";
  return pullRequestBody(task, note);
}

export function incompleteComment(taskId: string, pullUrl: string): string {
  return (
    `${failedMarker(taskId)}\n⏳ Task \`${taskId}\`: the change step hit its time limit, so its work is incomplete. ` +
    `What it had written is in the draft pull request ${pullUrl}.\n\n` +
    "Comment `/agent retry` on this issue to continue on that branch.\n"
  );
}

// The done comment and its draft note live in core: the reconcile sweep posts the same report.
export { doneComment, stillDraftNote } from "@agent-runner/core";

export function failureComment(taskId: string, message: string, retried: boolean): string {
  const next = retried
    ? "It was retried and kept failing. Requeue it from the Bull Board once the cause is fixed."
    : "This cannot succeed by retrying. Edit this issue's instruction or target to run it again, " +
      "or fix the repository and requeue the task from the Bull Board.";
  return `${failedMarker(taskId)}\n⚠️ Task \`${taskId}\` failed: ${message}\n\n${next}\n`;
}

export function noChangeComment(taskId: string, summary: string): string {
  return `${failedMarker(taskId)}\nℹ️ Task \`${taskId}\`: the change step finished but changed nothing, so no pull request was opened.\n\n${summary}\n`;
}
