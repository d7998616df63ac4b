import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { ConfigError, loadConfig } from "@agent-runner/core";
import { workerConfigSchema, type WorkerConfig } from "./worker-config.js";

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "Zx9SecretTokenValue0123456789abcd"].join("_");
const BASE = { GITHUB_TOKEN: TOKEN, DISPATCH_REPO: "acme/dispatch" } as const;

function configErrorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(workerConfigSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("loadConfig accepted an invalid environment");
}

describe("the worker configuration", () => {
  it("fills in the documented defaults", () => {
    const config = loadConfig(workerConfigSchema, { ...BASE });
    expect(config).toMatchObject<Partial<WorkerConfig>>({
      service: "worker",
      githubToken: TOKEN,
      githubApiUrl: "https://api.github.com",
      dispatchRepo: { owner: "acme", repo: "dispatch" },
      redisUrl: "redis://127.0.0.1:6379",
      redisClusterNodes: [],
      queuePrefix: "{agent-runner}",
      processedLabel: "processed",
      workerConcurrency: 2,
      allowedTargetRepos: ["acme/*"],
      agentName: "agent-runner",
      agentEmail: "agent-runner@users.noreply.github.com",
      workspaceDir: path.join(os.tmpdir(), "agent-runner"),
      taskTimeoutMs: 600_000,
      taskAttempts: 6,
      taskRetryOnTimeout: false,
      change: { handler: "trace" },
      port: 3001,
      logLevel: "info",
      bullBoard: undefined,
      githubWritesPerMinute: 60,
    });
  });

  it("reads explicit values", () => {
    const config = loadConfig(workerConfigSchema, {
        ...BASE,
        GITHUB_API_URL: "https://ghe.example.com/api/v3//",
        ALLOWED_TARGET_REPOS: " acme/*, other/repo ,,",
        AGENT_NAME: "My Bot",
        PORT: "8080",
        TASK_RETRY_ON_TIMEOUT: "true",
        CHANGE_HANDLER: "command",
        CHANGE_COMMAND: '["my-agent","--yes"]',
        CHANGE_COMMAND_ENV: "OPENAI_API_KEY, HOME",
        BULL_BOARD_USERNAME: "admin",
        BULL_BOARD_PASSWORD: "s3cret",
        REDIS_CLUSTER_NODES: "redis://a:6379,redis://b:6379",
      });
    expect(config).toMatchObject({
      githubApiUrl: "https://ghe.example.com/api/v3",
      allowedTargetRepos: ["acme/*", "other/repo"],
      agentName: "My Bot",
      agentEmail: "My-Bot@users.noreply.github.com",
      port: 8080,
      taskRetryOnTimeout: true,
      change: { handler: "command", command: ["my-agent", "--yes"], commandEnv: ["OPENAI_API_KEY", "HOME"] },
      bullBoard: { username: "admin", password: "s3cret" },
      redisClusterNodes: ["redis://a:6379", "redis://b:6379"],
    });
  });

  it("keeps a timed-out step's work by default only for the command handler, and as KEEP_WORK_ON_TIMEOUT says otherwise", () => {
    const command = { ...BASE, CHANGE_HANDLER: "command", CHANGE_COMMAND: '["x"]' };
    expect(loadConfig(workerConfigSchema, BASE).keepWorkOnTimeout).toBe(false);
    expect(loadConfig(workerConfigSchema, command).keepWorkOnTimeout).toBe(true);
    expect(loadConfig(workerConfigSchema, { ...command, KEEP_WORK_ON_TIMEOUT: "false" }).keepWorkOnTimeout).toBe(false);
    expect(loadConfig(workerConfigSchema, { ...BASE, KEEP_WORK_ON_TIMEOUT: "true" }).keepWorkOnTimeout).toBe(true);
  });

  it("returns a deeply frozen config", () => {
    const config = loadConfig(workerConfigSchema, {
      ...BASE,
      CHANGE_HANDLER: "command",
      CHANGE_COMMAND: '["x"]',
      BULL_BOARD_USERNAME: "u",
      BULL_BOARD_PASSWORD: "p",
    });
    for (const part of [
      config,
      config.dispatchRepo,
      config.allowedTargetRepos,
      config.redisClusterNodes,
      config.change,
      config.change.handler === "command" ? config.change.command : undefined,
      config.bullBoard,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (config as { taskTimeoutMs: number }).taskTimeoutMs = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.allowedTargetRepos as string[]).push("*/*");
    }).toThrow(TypeError);
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ["GITHUB_TOKEN is missing", { DISPATCH_REPO: "acme/dispatch" }, "GITHUB_TOKEN"],
    ["GITHUB_TOKEN is blank", { ...BASE, GITHUB_TOKEN: "   " }, "GITHUB_TOKEN"],
    ["DISPATCH_REPO is missing", { GITHUB_TOKEN: TOKEN }, "DISPATCH_REPO"],
    ["DISPATCH_REPO is 'nope'", { ...BASE, DISPATCH_REPO: "nope" }, "DISPATCH_REPO"],
    ["DISPATCH_REPO is '../x'", { ...BASE, DISPATCH_REPO: "../x" }, "DISPATCH_REPO"],
    ["TASK_TIMEOUT_SECONDS is 'abc'", { ...BASE, TASK_TIMEOUT_SECONDS: "abc" }, "TASK_TIMEOUT_SECONDS"],
    ["TASK_TIMEOUT_SECONDS is 1.5", { ...BASE, TASK_TIMEOUT_SECONDS: "1.5" }, "TASK_TIMEOUT_SECONDS"],
    ["GITHUB_TOKEN and GITHUB_TOKEN_FILE are both set", { ...BASE, GITHUB_TOKEN_FILE: "/run/secrets/token" }, "GITHUB_TOKEN_FILE"],
    ["GITHUB_TOKEN_FILE does not exist", { DISPATCH_REPO: "acme/dispatch", GITHUB_TOKEN_FILE: "/nonexistent/token" }, "GITHUB_TOKEN_FILE cannot be read (ENOENT)"],
    ["WORKER_CONCURRENCY is 0", { ...BASE, WORKER_CONCURRENCY: "0" }, "WORKER_CONCURRENCY"],
    ["REDIS_URL is 'http://x'", { ...BASE, REDIS_URL: "http://x" }, "REDIS_URL"],
    ["GITHUB_API_URL is not http(s)", { ...BASE, GITHUB_API_URL: "ftp://example.com" }, "GITHUB_API_URL"],
    ["QUEUE_PREFIX contains ':'", { ...BASE, QUEUE_PREFIX: "a:b" }, "QUEUE_PREFIX"],
    ["LOG_LEVEL is unknown", { ...BASE, LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    ["CHANGE_HANDLER is unknown", { ...BASE, CHANGE_HANDLER: "magic" }, "CHANGE_HANDLER"],
    ["KEEP_WORK_ON_TIMEOUT is not a boolean", { ...BASE, KEEP_WORK_ON_TIMEOUT: "sometimes" }, "KEEP_WORK_ON_TIMEOUT"],
    ["PORT is out of range", { ...BASE, PORT: "70000" }, "PORT"],
    ["TASK_RETRY_ON_TIMEOUT is not a boolean", { ...BASE, TASK_RETRY_ON_TIMEOUT: "maybe" }, "TASK_RETRY_ON_TIMEOUT"],
    [
      "CHANGE_HANDLER=command comes without CHANGE_COMMAND",
      { ...BASE, CHANGE_HANDLER: "command" },
      "CHANGE_COMMAND is required when CHANGE_HANDLER=command",
    ],
    ["CHANGE_COMMAND is a shell string", { ...BASE, CHANGE_COMMAND: "my-agent --yes" }, "CHANGE_COMMAND"],
    ["CHANGE_COMMAND is an empty array", { ...BASE, CHANGE_COMMAND: "[]" }, "CHANGE_COMMAND"],
    ["CHANGE_COMMAND holds a number", { ...BASE, CHANGE_COMMAND: '["a", 1]' }, "CHANGE_COMMAND"],
    ["only BULL_BOARD_USERNAME is set", { ...BASE, BULL_BOARD_USERNAME: "admin" }, "BULL_BOARD_PASSWORD"],
    ["only BULL_BOARD_PASSWORD is set", { ...BASE, BULL_BOARD_PASSWORD: "pw" }, "BULL_BOARD_USERNAME"],
  ])("fails naming the variable when %s", (_name, env, expected) => {
    const error = configErrorOf(env);
    expect(error.message).toContain(expected);
    expect(error.problems.some((problem) => problem.includes(expected))).toBe(true);
    expect(error.message).not.toContain(TOKEN);
  });

  it("lists every problem at once", () => {
    const error = configErrorOf({ ...BASE, DISPATCH_REPO: "nope", REDIS_URL: "http://x", LOG_LEVEL: "loud" });
    expect(error.problems).toHaveLength(3);
  });

  it("never puts the token in the error, even when it lands in the wrong variable", () => {
    const error = configErrorOf({
      GITHUB_TOKEN: TOKEN,
      DISPATCH_REPO: TOKEN,
      REDIS_URL: TOKEN,
      GITHUB_API_URL: TOKEN,
      QUEUE_PREFIX: `${TOKEN}:x`,
      TASK_TIMEOUT_SECONDS: TOKEN,
      PORT: TOKEN,
      LOG_LEVEL: TOKEN,
      CHANGE_HANDLER: TOKEN,
      TASK_RETRY_ON_TIMEOUT: TOKEN,
    });
    expect(error.problems).toHaveLength(9);
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify(error.problems)).not.toContain(TOKEN);
  });

  it("does not echo a malformed CHANGE_COMMAND, which may hold credentials", () => {
    const error = configErrorOf({ ...BASE, CHANGE_COMMAND: `agent --token ${TOKEN}` });
    expect(error.message).not.toContain(TOKEN);
  });

  it("reads the token from GITHUB_TOKEN_FILE, a mounted secret, instead of the environment", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ar-token-"));
    try {
      const file = path.join(dir, "token");
      writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
      const config = loadConfig(workerConfigSchema, { DISPATCH_REPO: "acme/dispatch", GITHUB_TOKEN_FILE: file });
      expect(config.githubToken).toBe(TOKEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
