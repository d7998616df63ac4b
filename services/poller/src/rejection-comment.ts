import { createHash } from "node:crypto";
import type { DispatchIssue } from "@agent-runner/core";

/**
 * The answer to an issue the poller cannot accept. Its marker names the
 * issue version it answers, so the same version is answered once, and an
 * edit (a new version) is judged afresh.
 */
export function rejectionComment(reason: string, message: string, version: string): string {
  return [
    `<!-- agent-runner:rejected ${JSON.stringify({ reason, version })} -->`,
    `⚠️ agent-runner did not queue this issue: ${message}`,
    "",
    "Expected format (either works):",
    "",
    "```markdown",
    '<!-- agent_task_metadata {"task_id": "my-task-0001"} -->',
    "",
    "## Instruction",
    "",
    "What the agent should do.",
    "",
    "Target Repository: owner/repo",
    "```",
    "",
    "Edit the issue to fix it; it is picked up again on the next poll.",
    "",
  ].join("\n");
}

/** Identifies one version of an issue's content for one verdict. */
export function issueVersion(issue: DispatchIssue, reason: string): string {
  return createHash("sha256")
    .update(`${reason}\0${issue.authorLogin ?? ""}\0${issue.title}\0${issue.body ?? ""}`)
    .digest("hex")
    .slice(0, 16);
}
