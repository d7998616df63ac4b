import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { checkCommonEnv, commonEnvShape, commonSettings } from "./common-env.js";
import { ConfigError, loadConfig } from "./load-config.js";

const schema = z.object(commonEnvShape).superRefine(checkCommonEnv).transform((env, ctx) => commonSettings(env, "worker", ctx));
// Built at run time so no key- or token-shaped literal sits in the repository (secret scanners).
const PEM = ["-----BEGIN PRIVATE", "KEY-----\nMIIEvQ\n-----END PRIVATE", "KEY-----"].join(" ");
const TOKEN = ["ghp", "configTestToken0123456789"].join("_");
const DISPATCH = { DISPATCH_REPO: "acme/dispatch" };
const dir = mkdtempSync(join(tmpdir(), "common-env-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("the config loaded");
}

describe("the runner's GitHub identity", () => {
  it("is a GitHub App when GITHUB_APP_ID and a private key are set, with no token", () => {
    const config = loadConfig(schema, { ...DISPATCH, GITHUB_APP_ID: "42", GITHUB_APP_PRIVATE_KEY: PEM, GITHUB_APP_INSTALLATION_ID: "7" });
    expect(config.githubApp).toEqual({ appId: 42, privateKey: PEM, installationId: 7 });
    expect(config.githubToken).toBe("");
  });

  it("reads the App's key from GITHUB_APP_PRIVATE_KEY_FILE and leaves the installation to be found", () => {
    const file = join(dir, "key.pem");
    writeFileSync(file, `${PEM}\n`);
    const config = loadConfig(schema, { ...DISPATCH, GITHUB_APP_ID: "42", GITHUB_APP_PRIVATE_KEY_FILE: file });
    expect(config.githubApp).toEqual({ appId: 42, privateKey: PEM, installationId: undefined });
  });

  it("turns the literal \\n of a one-line key back into line breaks", () => {
    const config = loadConfig(schema, { ...DISPATCH, GITHUB_APP_ID: "42", GITHUB_APP_PRIVATE_KEY: PEM.replaceAll("\n", "\\n") });
    expect(config.githubApp?.privateKey).toBe(PEM);
  });

  it("is a token when only a token is set", () => {
    const config = loadConfig(schema, { ...DISPATCH, GITHUB_TOKEN: TOKEN });
    expect(config.githubApp).toBeUndefined();
    expect(config.githubToken).toBe(TOKEN);
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ["neither a token nor an App is set", {}, "GITHUB_TOKEN"],
    ["a token and an App are both set", { GITHUB_TOKEN: TOKEN, GITHUB_APP_ID: "42", GITHUB_APP_PRIVATE_KEY: PEM }, "choose a token or a GitHub App"],
    ["an App id comes without a key", { GITHUB_APP_ID: "42" }, "GITHUB_APP_PRIVATE_KEY is required"],
    ["a key comes without an App id", { GITHUB_APP_PRIVATE_KEY: PEM }, "GITHUB_APP_ID is required"],
    ["both key variables are set", { GITHUB_APP_ID: "42", GITHUB_APP_PRIVATE_KEY: PEM, GITHUB_APP_PRIVATE_KEY_FILE: "/k.pem" }, "GITHUB_APP_PRIVATE_KEY_FILE"],
    ["the key is not PEM", { GITHUB_APP_ID: "42", GITHUB_APP_PRIVATE_KEY: "not-a-key" }, "must be a PEM private key"],
    ["the key file is missing", { GITHUB_APP_ID: "42", GITHUB_APP_PRIVATE_KEY_FILE: "/nonexistent/key.pem" }, "cannot be read (ENOENT)"],
    ["the App id is not a number", { GITHUB_APP_ID: "abc", GITHUB_APP_PRIVATE_KEY: PEM }, "GITHUB_APP_ID"],
  ])("is refused when %s", (_name, env, message) => {
    const text = failure({ ...DISPATCH, ...env });
    expect(text).toContain(message);
    expect(text).not.toContain("MIIEvQ");
  });
});

describe("Redis's password", () => {
  it("is read from REDIS_PASSWORD, apart from the URL", () => {
    const config = loadConfig(schema, { ...DISPATCH, GITHUB_TOKEN: TOKEN, REDIS_URL: "redis://redis:6379", REDIS_PASSWORD: "s3cret" });
    expect(config.redisPassword).toBe("s3cret");
    expect(config.redisUrl).toBe("redis://redis:6379");
  });

  it("is absent when REDIS_PASSWORD is unset or empty (compose passes an unset variable as empty)", () => {
    expect(loadConfig(schema, { ...DISPATCH, GITHUB_TOKEN: TOKEN }).redisPassword).toBeUndefined();
    expect(loadConfig(schema, { ...DISPATCH, GITHUB_TOKEN: TOKEN, REDIS_PASSWORD: "" }).redisPassword).toBeUndefined();
  });
});
