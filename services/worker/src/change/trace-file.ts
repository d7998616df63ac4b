import { correlationComment } from "@agent-runner/core";
import { markdownFence as fence } from "./markdown-fence.js";
import { writeTreeFile } from "./no-follow-write.js";
import type { ChangeTask } from "./task-handler.js";

export interface TraceSection {
  readonly handler: string;
  readonly outcome: string;
  readonly details?: string;
}

/**
 * The trace file is rendered only from the task and the handler's outcome, not
 * from the clock, so re-running a finished task rewrites identical bytes and
 * commits nothing.
 */
export function renderTraceFile(task: ChangeTask, section: TraceSection): string {
  const lines = [
    `# Agent task ${task.taskId}`,
    "",
    correlationComment(task.taskId),
    "",
    `- **Task ID:** \`${task.taskId}\``,
    `- **Dispatch issue:** ${task.dispatchRepo}#${task.issueNumber} (${task.issueUrl})`,
    `- **Target repository:** ${task.targetRepo}`,
    `- **Branch:** \`${task.branch}\``,
    `- **Agent:** ${task.agentName}`,
    `- **Received:** ${task.enqueuedAt}`,
    `- **Change handler:** ${section.handler} (${section.outcome})`,
    ...(task.followUp === undefined ? [] : [`- **Follow-up:** ${followUpLine(task.followUp)}`]),
    "",
    "## Instruction",
    "",
    ...(task.instructionNotice === "" ? [] : [`> ${task.instructionNotice}`, ""]),
    fence(task.instruction),
  ];
  if (section.details !== undefined && section.details !== "") {
    lines.push("", "## Change step output", "", fence(section.details));
  }
  return `${lines.join("\n")}\n`;
}

/** The repository decides what `agent-tasks` is: a committed symbolic link there fails the task instead of being followed. */
export async function writeTraceFile(dir: string, task: ChangeTask, section: TraceSection): Promise<void> {
  await writeTreeFile(dir, task.traceFilePath, { content: renderTraceFile(task, section) });
}

function followUpLine(followUp: NonNullable<ChangeTask["followUp"]>): string {
  const what = followUp.place === undefined ? "a comment" : `a review comment on ${followUp.place}`;
  return `${what} on pull request #${followUp.pull} (${followUp.commentUrl})`;
}
