import type { Config } from "@agent-runner/shared";
import type { TaskHandler } from "./task-handler.js";
import { TraceTaskHandler } from "./trace-task-handler.js";

/** Picks the change step named by CHANGE_HANDLER. */
export function createTaskHandler(config: Config): TaskHandler {
  switch (config.changeHandler) {
    case "trace":
      return new TraceTaskHandler();
    default:
      throw new Error(`CHANGE_HANDLER=${config.changeHandler} is not available in this build`);
  }
}
