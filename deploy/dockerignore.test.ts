import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { repoPath } from "./test-support/tools.js";

interface Rule {
  readonly negated: boolean;
  readonly pattern: RegExp;
}

/** .dockerignore patterns as Docker reads them: rooted at the context, `**` spans directories. */
function parseDockerignore(text: string): Rule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negated = line.startsWith("!");
      const glob = (negated ? line.slice(1) : line).trim().replace(/^\/+/, "").replace(/\/+$/, "");
      let source = "";
      for (let i = 0; i < glob.length; i += 1) {
        const char = glob[i]!;
        if (char === "*" && glob[i + 1] === "*") {
          source += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
          i += glob[i + 2] === "/" ? 2 : 1;
        } else if (char === "*") source += "[^/]*";
        else if (char === "?") source += "[^/]";
        else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
      }
      return { negated, pattern: new RegExp(`^${source}$`) };
    });
}

/** Whether a context path is left out: a rule matching the path or one of its parent directories applies; the last one wins. */
function isIgnored(rules: readonly Rule[], file: string): boolean {
  const parts = file.split("/");
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.pattern.test(candidate))) ignored = !rule.negated;
  }
  return ignored;
}

const rules = parseDockerignore(readFileSync(repoPath(".dockerignore"), "utf8"));

describe(".dockerignore", () => {
  it.each([
    "node_modules/vitest/package.json",
    "packages/core/node_modules/zod/package.json",
    "services/worker/dist/main.js",
    "packages/git/dist/index.js",
    "services/worker/tsconfig.tsbuildinfo",
    ".git/HEAD",
    ".env",
    ".env.local",
    "services/worker/.env",
    "bench/results/run-1.json",
  ])("keeps %s out of the build context", (file) => {
    expect(isIgnored(rules, file)).toBe(true);
  });

  it.each([
    "package.json",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "tsconfig.base.json",
    "tsconfig.build.json",
    "packages/runtime/package.json",
    "packages/core/src/index.ts",
    "packages/github-sandbox/src/index.ts",
    "services/poller/src/main.ts",
    "services/worker/tsconfig.json",
    "bench/package.json",
  ])("keeps %s, which the build needs, in the build context", (file) => {
    expect(isIgnored(rules, file)).toBe(false);
  });
});
