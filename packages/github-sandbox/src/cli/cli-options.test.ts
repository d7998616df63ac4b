import { describe, expect, it } from "vitest";
import { parseCliOptions } from "./cli-options.js";

describe("parseCliOptions", () => {
  it("reads flags in both --flag value and --flag=value forms", () => {
    const options = parseCliOptions(["--port", "4010", "--data-dir=/tmp/x", "--latency", "100", "--seed", "--json"], {});
    expect(options).toEqual({
      sandbox: { port: 4010, dataDir: "/tmp/x", latencyMs: 100, tokens: {} },
      seed: true,
      exampleIssue: false,
      json: true,
      help: false,
    });
  });

  it("falls back to environment variables, flags winning", () => {
    const env = { SANDBOX_PORT: "5000", SANDBOX_LATENCY_MS: "20", SANDBOX_OWNER_TOKEN: "ghp_own", SANDBOX_ADMIN_TOKEN: "adm", SANDBOX_VALIDATE: "1" };
    const options = parseCliOptions(["--port", "6000"], env);
    expect(options.sandbox).toEqual({ port: 6000, latencyMs: 20, validateResponses: true, tokens: { owner: "ghp_own" }, adminToken: "adm" });
  });

  it("makes --example-issue imply --seed", () => {
    expect(parseCliOptions(["--example-issue"], {})).toMatchObject({ seed: true, exampleIssue: true });
  });

  it("rejects unknown flags, missing values and non-numeric numbers", () => {
    expect(() => parseCliOptions(["--prot", "1"], {})).toThrow("Unknown option --prot");
    expect(() => parseCliOptions(["--port"], {})).toThrow("--port needs a value");
    expect(() => parseCliOptions(["--latency", "fast"], {})).toThrow("--latency must be a non-negative integer");
  });
});

describe("the public URL option", () => {
  it("is read from --public-url, then SANDBOX_PUBLIC_URL", () => {
    expect(parseCliOptions(["--public-url", "http://sandbox:8080"], {}).sandbox.publicUrl).toBe("http://sandbox:8080");
    expect(parseCliOptions([], { SANDBOX_PUBLIC_URL: "http://gh.local" }).sandbox.publicUrl).toBe("http://gh.local");
  });
});
