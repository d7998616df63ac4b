import { readFileSync } from "node:fs";
import { pollerEnvShape } from "@agent-runner/poller";
import { workerEnvShape } from "@agent-runner/worker";
import { describe, expect, it } from "vitest";
import { repoPath } from "./test-support/tools.js";

const envExample = readFileSync(repoPath(".env.example"), "utf8");
const composeText = readFileSync(repoPath("docker-compose.yml"), "utf8");

type SchemaField = { safeParse(value: unknown): { success: boolean; data?: unknown } };

/** The environment variables the services' schemas read, with the default each applies (as .env.example would write it). */
function schemaVariables(): Map<string, string | undefined> {
  const variables = new Map<string, string | undefined>();
  for (const shape of [pollerEnvShape, workerEnvShape] as Record<string, SchemaField>[]) {
    for (const [name, field] of Object.entries(shape)) {
      const parsed = field.safeParse(undefined);
      const value: unknown = parsed.success ? parsed.data : undefined;
      variables.set(name, asEnvText(value));
    }
  }
  return variables;
}

/** How .env.example writes a parsed default: lists comma-separated, numbers and booleans as literals. */
function asEnvText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join(",");
  return typeof value === "string" ? value : JSON.stringify(value);
}

interface Documented {
  readonly name: string;
  readonly value: string;
  /** `# NAME=value`: documents the default; `NAME=value`: set by whoever copies the file. */
  readonly commented: boolean;
  readonly section: "services" | "compose";
}

function documentedVariables(): Documented[] {
  const composeSection = envExample.search(/^# Read by docker compose only/m);
  return [...envExample.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((match) => ({
    name: match[2]!,
    value: match[3]!.trim(),
    commented: match[1] !== undefined,
    section: composeSection >= 0 && match.index > composeSection ? "compose" : "services",
  }));
}

const schema = schemaVariables();
const documented = documentedVariables();
const forServices = documented.filter((variable) => variable.section === "services");

/** Where .env.example shows a value other than the code's default, and why. */
const DOCUMENTED_DIFFERENTLY: Record<string, string> = {
  REDIS_URL: "shows the value docker-compose.yml uses (redis://redis:6379); the code's default is 127.0.0.1",
};

describe(".env.example", () => {
  it("finds the variables of the services' schemas", () => {
    expect(schema.size).toBeGreaterThanOrEqual(20);
    expect([...schema.keys()]).toEqual(expect.arrayContaining(["GITHUB_TOKEN", "DISPATCH_REPO", "REDIS_URL"]));
  });

  it("documents only variables that the services read", () => {
    const unknown = forServices.map((variable) => variable.name).filter((name) => !schema.has(name));
    expect(unknown).toEqual([]);
  });

  it("documents every variable that the services read", () => {
    const names = new Set(forServices.map((variable) => variable.name));
    expect([...schema.keys()].filter((name) => !names.has(name))).toEqual([]);
  });

  it("documents each variable once", () => {
    const names = documented.map((variable) => variable.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it("shows the default that the services apply for each variable with a literal default", () => {
    for (const variable of forServices) {
      const codeDefault = schema.get(variable.name);
      if (codeDefault === undefined || variable.name in DOCUMENTED_DIFFERENTLY) continue;
      expect(variable.value, variable.name).toBe(codeDefault);
    }
  });

  it("leaves GITHUB_TOKEN, DISPATCH_REPO and REDIS_PASSWORD to be filled in, and every other service variable at its default", () => {
    const uncommented = forServices.filter((variable) => !variable.commented);
    expect(uncommented.map((variable) => variable.name).sort()).toEqual(["DISPATCH_REPO", "GITHUB_TOKEN", "REDIS_PASSWORD"]);
    for (const variable of uncommented) expect(variable.value, variable.name).toBe("");
  });

  it("ships no secret value", () => {
    for (const variable of documented.filter((v) => /TOKEN|PASSWORD|SECRET/.test(v.name))) {
      expect(variable.value, variable.name).toBe("");
    }
    expect(envExample).not.toMatch(/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{10,}|github_pat_/);
  });

  it("keeps PORT commented out: poller and worker share the file and listen on different ports", () => {
    expect(forServices.find((variable) => variable.name === "PORT")?.commented).toBe(true);
  });

  it("lists compose-only variables apart, each one interpolated by docker-compose.yml", () => {
    const composeOnly = documented.filter((variable) => variable.section === "compose");
    expect(composeOnly.map((variable) => variable.name)).toContain("GRAFANA_ADMIN_PASSWORD");
    for (const variable of composeOnly) {
      expect(schema.has(variable.name), `${variable.name} is read by the services: document it above`).toBe(false);
      expect(composeText, variable.name).toContain(`\${${variable.name}`);
    }
    // ...and every variable docker-compose.yml interpolates without a default is documented.
    for (const [, name] of composeText.matchAll(/\$\{([A-Z0-9_]+):?\?/g)) {
      expect(documented.map((variable) => variable.name), name).toContain(name);
    }
  });
});
