import { Writable } from "node:stream";
import { ConfigError, loadConfig } from "@agent-runner/core";
import { createLogger, type Logger } from "@agent-runner/runtime";
import { describe, expect, it } from "vitest";
import { SandboxUnavailableError } from "../sandbox/sandbox-unavailable-error.js";
import { workerConfigSchema, type WorkerConfig } from "../worker-config.js";
import { createTaskHandler } from "./create-task-handler.js";

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "fakeTokenValue1234567890abcdefABCDEF"].join("_");

function config(extra: Record<string, string>): WorkerConfig {
  return loadConfig(workerConfigSchema, { GITHUB_TOKEN: TOKEN, DISPATCH_REPO: "acme/dispatch", ...extra });
}

/** A logger whose lines the test can read. */
function capturingLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const log = createLogger({ level: "info", service: "worker", secrets: [TOKEN], destination });
  const lines = (): Record<string, unknown>[] =>
    chunks.join("").split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines };
}

const COMMAND = { CHANGE_HANDLER: "command", CHANGE_COMMAND: '["my-agent","--yes"]' };

describe("createTaskHandler", () => {
  it.each<{ handler: string; extra: Record<string, string> }>([
    { handler: "trace", extra: {} },
    { handler: "patch", extra: {} },
    { handler: "command", extra: { ...COMMAND, CHANGE_COMMAND_ENV: "AGENT_API_KEY" } },
  ])("builds the $handler handler named by CHANGE_HANDLER", async ({ handler, extra }) => {
    const { log } = capturingLogger();
    const built = await createTaskHandler(config({ CHANGE_HANDLER: handler, ...extra }), log, { AGENT_API_KEY: "k" });
    expect(built.name).toBe(handler);
  });

  it("refuses to give the command handler the GitHub token, even when the allowlist asks for it", async () => {
    const cfg = config({ ...COMMAND, CHANGE_COMMAND_ENV: "GITHUB_TOKEN" });

    await expect(createTaskHandler(cfg, capturingLogger().log, { GITHUB_TOKEN: TOKEN })).rejects.toThrow(ConfigError);
  });

  it("refuses to build the command handler when its sandbox cannot start, naming the cause and the setting", async () => {
    const attempt = createTaskHandler(config(COMMAND), capturingLogger().log, {}, { bwrapPath: "/nonexistent/bwrap" });

    await expect(attempt).rejects.toThrow(SandboxUnavailableError);
    await expect(attempt).rejects.toThrow(/AGENT_SANDBOX=bubblewrap.*install bubblewrap/s);
  });

  it("warns at start that the command runs unconfined when the operator opted out with AGENT_SANDBOX=none", async () => {
    const { log, lines } = capturingLogger();
    // The same broken bwrap as above: with AGENT_SANDBOX=none it is never asked for.
    const built = await createTaskHandler(config({ ...COMMAND, AGENT_SANDBOX: "none" }), log, {}, { bwrapPath: "/nonexistent/bwrap" });

    expect(built.name).toBe("command");
    const warning = lines().find((line) => line["setting"] === "AGENT_SANDBOX=none");
    expect(warning?.["msg"]).toMatch(/WITHOUT a sandbox/);
    expect(warning?.["level"]).toBe("warn");
  });

  it("gives the trace and patch handlers no sandbox to probe and logs no warning", async () => {
    const { log, lines } = capturingLogger();
    await createTaskHandler(config({ AGENT_SANDBOX: "none" }), log, {}, { bwrapPath: "/nonexistent/bwrap" });
    expect(lines()).toEqual([]);
  });
});
