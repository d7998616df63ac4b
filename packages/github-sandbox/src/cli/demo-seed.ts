import { randomUUID } from "node:crypto";
import type { SandboxAdmin } from "../types.js";

const DEMO_DISPATCH = { owner: "acme", name: "dispatch" };
const DEMO_TARGET = { owner: "acme", name: "target" };

/** The repositories a person needs to point the poller and worker at the sandbox by hand. */
export async function seedDemoRepos(admin: SandboxAdmin): Promise<void> {
  await admin.createRepo({ ...DEMO_DISPATCH, description: "Dispatch issues for agent-runner" });
  await admin.createRepo({
    ...DEMO_TARGET,
    description: "Repository agent-runner opens pull requests against",
    files: { "README.md": "# target\n\nA repository for agent-runner demos.\n", "src/hello.txt": "hello\n" },
  });
}

/** One dispatch issue in the producer's format (see shared/reference-runner.md), labelled for pickup. */
export function seedExampleIssue(admin: SandboxAdmin): number {
  const taskId = randomUUID();
  const body = [
    "# Agent Task Delegation",
    "",
    `**Task ID:** \`${taskId}\``,
    "**User ID:** `demo-user`",
    "",
    `**Target:** repository \`${DEMO_TARGET.owner}/${DEMO_TARGET.name}\``,
    "",
    "## Instructions",
    "",
    "Add a line saying hello to src/hello.txt.",
    "",
    "---",
    "",
    "<!-- agent_task_metadata",
    JSON.stringify({ task_id: taskId, user_id: "demo-user", provider: "github_issue_dispatch" }),
    "-->",
  ].join("\n");
  return admin.createIssue(DEMO_DISPATCH.owner, DEMO_DISPATCH.name, { title: "Say hello", body, labels: ["copilot-agent"] }).number;
}
