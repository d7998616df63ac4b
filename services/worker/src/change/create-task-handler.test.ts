import { ConfigError, loadConfig } from "@agent-runner/core";
import { workerConfigSchema, type WorkerConfig } from "../worker-config.js";
import { describe, expect, it } from "vitest";
import { createTaskHandler } from "./create-task-handler.js";

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "fakeTokenValue1234567890abcdefABCDEF"].join("_");

function config(extra: Record<string, string>): WorkerConfig {
  return loadConfig(workerConfigSchema, { GITHUB_TOKEN: TOKEN, DISPATCH_REPO: "acme/dispatch", ...extra });
}

describe("createTaskHandler", () => {
  it.each<{ handler: string; extra: Record<string, string> }>([
    { handler: "trace", extra: {} },
    { handler: "patch", extra: {} },
    { handler: "command", extra: { CHANGE_COMMAND: '["my-agent","--yes"]', CHANGE_COMMAND_ENV: "AGENT_API_KEY" } },
  ])("builds the $handler handler named by CHANGE_HANDLER", ({ handler, extra }) => {
    expect(createTaskHandler(config({ CHANGE_HANDLER: handler, ...extra }), { AGENT_API_KEY: "k" }).name).toBe(handler);
  });

  it("refuses to give the command handler the GitHub token, even when the allowlist asks for it", () => {
    const cfg = config({ CHANGE_HANDLER: "command", CHANGE_COMMAND: '["my-agent"]', CHANGE_COMMAND_ENV: "GITHUB_TOKEN" });

    expect(() => createTaskHandler(cfg, { GITHUB_TOKEN: TOKEN })).toThrow(ConfigError);
  });
});
