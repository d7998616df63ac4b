import type { Logger } from "@agent-runner/runtime";
import { createAgentSandbox, type AgentSandboxOptions } from "../sandbox/create-agent-sandbox.js";
import type { WorkerConfig } from "../worker-config.js";
import { CommandTaskHandler } from "./command-task-handler.js";
import { PatchTaskHandler } from "./patch-task-handler.js";
import type { TaskHandler } from "./task-handler.js";
import { TraceTaskHandler } from "./trace-task-handler.js";

/**
 * Picks the change step named by CHANGE_HANDLER. `env` is where the command
 * handler reads PATH, LANG and its allowlisted variables. The command
 * handler's sandbox is probed here, at start-up: a worker whose sandbox cannot
 * work refuses to start (SandboxUnavailableError names the cause and the
 * setting) instead of running agents unconfined; an explicit AGENT_SANDBOX=none
 * is warned about at every start.
 */
export async function createTaskHandler(
  config: WorkerConfig,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  sandboxOptions: AgentSandboxOptions = {},
): Promise<TaskHandler> {
  const change = config.change;
  switch (change.handler) {
    case "trace":
      return new TraceTaskHandler();
    case "patch":
      return new PatchTaskHandler();
    case "command": {
      const sandbox = createAgentSandbox(change.sandbox, { extraReadOnlyPaths: change.readOnlyPaths, ...sandboxOptions });
      await sandbox.probe();
      if (sandbox.name === "none") {
        log.warn(
          { setting: "AGENT_SANDBOX=none" },
          "the change command runs WITHOUT a sandbox: it can read everything this worker can (its GitHub token included), write wherever it can and reach its network",
        );
      }
      return new CommandTaskHandler({
        argv: change.command,
        envAllowlist: change.commandEnv,
        timeoutMs: config.taskTimeoutMs,
        secrets: [config.githubToken],
        sourceEnv: env,
        sandbox,
        network: change.network,
      });
    }
  }
}
