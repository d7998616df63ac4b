import type { WorkerConfig } from "../worker-config.js";
import { CommandTaskHandler } from "./command-task-handler.js";
import { PatchTaskHandler } from "./patch-task-handler.js";
import type { TaskHandler } from "./task-handler.js";
import { TraceTaskHandler } from "./trace-task-handler.js";

/**
 * Picks the change step named by CHANGE_HANDLER. `env` is where the command
 * handler reads PATH, HOME, LANG and its allowlisted variables.
 */
export function createTaskHandler(config: WorkerConfig, env: NodeJS.ProcessEnv = process.env): TaskHandler {
  const change = config.change;
  switch (change.handler) {
    case "trace":
      return new TraceTaskHandler();
    case "patch":
      return new PatchTaskHandler();
    case "command":
      return new CommandTaskHandler({
        argv: change.command,
        envAllowlist: change.commandEnv,
        timeoutMs: config.taskTimeoutMs,
        secrets: [config.githubToken],
        sourceEnv: env,
      });
  }
}
