/**
 * Dispatch issue bodies as the producers write them. Format A: the runner's
 * own smoke-test issue (hidden metadata, instruction, target line).
 */
export function formatA(taskId: string, target: string, instruction = "Create a simple test file."): string {
  return `<!-- agent_task_metadata {"task_id": "${taskId}"} -->\n\n## Instruction\n\n${instruction}\n\nTarget Repository: ${target}\n`;
}

/** Format B: the producer's "Agent Task Delegation" issue, with CRLF line endings as GitHub stores them. */
export function formatB(taskId: string, target: string, instruction = "Add a greeting file.", userId = "user-42"): string {
  return [
    "# Agent Task Delegation",
    "",
    `**Task ID:** \`${taskId}\``,
    `**User ID:** \`${userId}\``,
    "",
    `**Target:** repo \`${target}\``,
    "",
    "## Instructions",
    "",
    instruction,
    "",
    "---",
    "",
    "<!-- agent_task_metadata",
    JSON.stringify({ task_id: taskId, user_id: userId, provider: "github_issue_dispatch" }),
    "-->",
    "",
  ].join("\r\n");
}
