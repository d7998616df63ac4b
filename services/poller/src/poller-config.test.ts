import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError, loadConfig } from "@agent-runner/core";
import { afterAll, describe, expect, it } from "vitest";
import { pollerConfigSchema, type PollerConfig } from "./poller-config.js";

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "Zx9SecretTokenValue0123456789abcd"].join("_");
const BASE = { GITHUB_TOKEN: TOKEN, DISPATCH_REPO: "acme/dispatch" } as const;

const scratch = mkdtempSync(path.join(tmpdir(), "poller-config-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
/** A file holding `content`, as a mounted Secret would. */
function secretFile(name: string, content: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, content);
  return file;
}

describe("the poller configuration", () => {
  it("fills in the documented defaults, on port 3000", () => {
    expect(loadConfig(pollerConfigSchema, { ...BASE })).toMatchObject<Partial<PollerConfig>>({
      service: "poller",
      dispatchLabel: "copilot-agent",
      pollIntervalMs: 30_000,
      fullSweepIntervalMs: 3_600_000,
      trustedAuthorAssociations: ["OWNER", "MEMBER", "COLLABORATOR"],
      trustedAuthors: [],
      allowedTargetRepos: ["acme/*"],
      port: 3000,
      closePullOnCancel: false,
    });
  });

  it("sweeps for drift every 15 minutes by default, reporting orphan branches without deleting them", () => {
    expect(loadConfig(pollerConfigSchema, { ...BASE }).reconcile).toEqual({ intervalMs: 900_000, deleteOrphanBranches: false, stuckJobMs: 3_600_000 });
  });

  it("turns the reconcile sweep off with RECONCILE_INTERVAL_SECONDS=0, and refuses a negative interval", () => {
    expect(loadConfig(pollerConfigSchema, { ...BASE, RECONCILE_INTERVAL_SECONDS: "0" }).reconcile).toBeUndefined();
    expect(() => loadConfig(pollerConfigSchema, { ...BASE, RECONCILE_INTERVAL_SECONDS: "-1" })).toThrow(ConfigError);
    const custom = loadConfig(pollerConfigSchema, { ...BASE, RECONCILE_INTERVAL_SECONDS: "60", RECONCILE_DELETE_ORPHAN_BRANCHES: "true", RECONCILE_STUCK_JOB_SECONDS: "1800" });
    expect(custom.reconcile).toEqual({ intervalMs: 60_000, deleteOrphanBranches: true, stuckJobMs: 1_800_000 });
  });

  it("reads explicit values, normalising the trust lists' case", () => {
    const config = loadConfig(pollerConfigSchema, {
      ...BASE,
      TRUSTED_AUTHOR_ASSOCIATIONS: "owner, member",
      TRUSTED_AUTHORS: "Alice,BOB",
      POLL_INTERVAL_SECONDS: "5",
      FULL_SWEEP_INTERVAL_SECONDS: "600",
      DISPATCH_LABEL: "agents",
      CLOSE_PR_ON_CANCEL: "true",
    });
    expect(config).toMatchObject({
      trustedAuthorAssociations: ["OWNER", "MEMBER"],
      trustedAuthors: ["alice", "bob"],
      pollIntervalMs: 5_000,
      fullSweepIntervalMs: 600_000,
      dispatchLabel: "agents",
      closePullOnCancel: true,
    });
  });

  it.each([
    ["POLL_INTERVAL_SECONDS is 'abc'", { ...BASE, POLL_INTERVAL_SECONDS: "abc" }, "POLL_INTERVAL_SECONDS"],
    ["POLL_INTERVAL_SECONDS is 1.5", { ...BASE, POLL_INTERVAL_SECONDS: "1.5" }, "POLL_INTERVAL_SECONDS"],
    ["FULL_SWEEP_INTERVAL_SECONDS is 0", { ...BASE, FULL_SWEEP_INTERVAL_SECONDS: "0" }, "FULL_SWEEP_INTERVAL_SECONDS"],
    ["DISPATCH_LABEL is blank", { ...BASE, DISPATCH_LABEL: "  " }, "DISPATCH_LABEL"],
    ["CLOSE_PR_ON_CANCEL is not a boolean", { ...BASE, CLOSE_PR_ON_CANCEL: "perhaps" }, "CLOSE_PR_ON_CANCEL"],
  ])("fails naming the variable when %s", (_name, env, expected) => {
    expect(() => loadConfig(pollerConfigSchema, env)).toThrow(ConfigError);
    expect(() => loadConfig(pollerConfigSchema, env)).toThrow(expected);
  });

  it("turns webhooks on when both the secret and the port are set, and keeps the secret for scrubbing", () => {
    const secret = ["whsec", "0123456789abcdef"].join("_");
    const config = loadConfig(pollerConfigSchema, { ...BASE, GITHUB_WEBHOOK_SECRET: secret, WEBHOOK_PORT: "8080", WEBHOOK_POLL_INTERVAL_SECONDS: "600" });
    expect(config.webhook).toEqual({ secret, port: 8080, pollIntervalMs: 600_000 });
    expect(config.extraSecrets).toEqual([secret]);
    expect(loadConfig(pollerConfigSchema, { ...BASE }).webhook).toBeUndefined();
  });

  it("reads the webhook secret from the first line of GITHUB_WEBHOOK_SECRET_FILE, a mounted Secret, and keeps it for scrubbing", () => {
    const secret = ["whsec", "fromafile0123456789"].join("_");
    const file = secretFile("webhook-secret", `${secret}\n`);
    const config = loadConfig(pollerConfigSchema, { ...BASE, GITHUB_WEBHOOK_SECRET_FILE: file, WEBHOOK_PORT: "3002" });
    expect(config.webhook).toEqual({ secret, port: 3002, pollIntervalMs: 300_000 });
    expect(config.extraSecrets).toEqual([secret]);
  });

  it("refuses a webhook secret file it cannot read, naming the variable", () => {
    const env = { ...BASE, GITHUB_WEBHOOK_SECRET_FILE: path.join(scratch, "missing"), WEBHOOK_PORT: "3002" };
    expect(() => loadConfig(pollerConfigSchema, env)).toThrow(/GITHUB_WEBHOOK_SECRET_FILE.*cannot be read \(ENOENT\)/);
  });

  it("refuses a webhook secret file whose secret is short, without repeating the secret", () => {
    const short = "short-secret";
    const env = { ...BASE, GITHUB_WEBHOOK_SECRET_FILE: secretFile("short", `${short}\n`), WEBHOOK_PORT: "3002" };
    expect(() => loadConfig(pollerConfigSchema, env)).toThrow("GITHUB_WEBHOOK_SECRET_FILE");
    expect(() => loadConfig(pollerConfigSchema, env)).not.toThrow(short);
  });

  it("refuses the webhook secret given both as a value and as a file", () => {
    const file = secretFile("both", "0123456789abcdef0\n");
    const env = { ...BASE, GITHUB_WEBHOOK_SECRET: "0123456789abcdef0", GITHUB_WEBHOOK_SECRET_FILE: file, WEBHOOK_PORT: "3002" };
    expect(() => loadConfig(pollerConfigSchema, env)).toThrow(/GITHUB_WEBHOOK_SECRET_FILE.*choose one/);
  });

  it.each([
    ["only the secret is set", { GITHUB_WEBHOOK_SECRET: "0123456789abcdef0" }, "WEBHOOK_PORT"],
    ["only the secret file is set", { GITHUB_WEBHOOK_SECRET_FILE: "/run/secrets/webhook" }, "WEBHOOK_PORT"],
    ["only the port is set", { WEBHOOK_PORT: "8080" }, "GITHUB_WEBHOOK_SECRET"],
    ["the secret is short", { GITHUB_WEBHOOK_SECRET: "short", WEBHOOK_PORT: "8080" }, "GITHUB_WEBHOOK_SECRET"],
  ])("refuses a half-configured webhook when %s", (_name, extra, expected) => {
    expect(() => loadConfig(pollerConfigSchema, { ...BASE, ...extra })).toThrow(expected);
  });

  it("ignores the worker's variables, since both services share one .env", () => {
    expect(() => loadConfig(pollerConfigSchema, { ...BASE, CHANGE_HANDLER: "command" })).not.toThrow();
  });
});
