import { ConfigError, type Config } from "@agent-runner/shared";
import { CommandTaskHandler } from "./command-task-handler.js";
import { PatchTaskHandler } from "./patch-task-handler.js";
import type { TaskHandler } from "./task-handler.js";
import { TraceTaskHandler } from "./trace-task-handler.js";

/**
 * Picks the change step named by CHANGE_HANDLER. `env` is where the command
 * handler reads PATH, HOME, LANG and its allowlisted variables.
 */
export function createTaskHandler(config: Config, env: NodeJS.ProcessEnv = process.env): TaskHandler {
  switch (config.changeHandler) {
    case "trace":
      return new TraceTaskHandler();
    case "patch":
      return new PatchTaskHandler();
    case "command":
      if (config.changeCommand === undefined) throw new ConfigError(["CHANGE_COMMAND is required when CHANGE_HANDLER=command"]);
      return new CommandTaskHandler({
        argv: config.changeCommand,
        envAllowlist: config.changeCommandEnv,
        timeoutMs: config.taskTimeoutMs,
        secrets: [config.githubToken],
        sourceEnv: env,
      });
    default:
      throw new Error(`CHANGE_HANDLER=${String(config.changeHandler)} is not available in this build`);
  }
}
