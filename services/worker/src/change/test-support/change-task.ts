import type { ChangeTask } from "../task-handler.js";

/** A plausible task; tests override what they look at. */
export function changeTask(overrides: Partial<ChangeTask> = {}): ChangeTask {
  return {
    taskId: "task-0123456789",
    prefix: "task-012",
    branch: "agent-task-task-012",
    instruction: "Do the thing.",
    instructionNotice: "",
    issueNumber: 8,
    issueTitle: "Do the thing",
    issueUrl: "https://github.com/acme/dispatch/issues/8",
    dispatchRepo: "acme/dispatch",
    targetRepo: "acme/target",
    agentName: "agent-runner",
    enqueuedAt: "2024-01-02T03:04:05.000Z",
    traceFilePath: "agent-tasks/task-012.md",
    ...overrides,
  };
}
