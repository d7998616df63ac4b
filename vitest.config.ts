import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Workspace packages resolve to their sources, so tests never run against a stale dist/.
// Sub-path entries (`/testing`) come first: an alias matches by prefix.
const alias = [
  { find: "@agent-runner/core/testing", replacement: src("./packages/core/src/testing.ts") },
  ...["core", "github", "git", "runtime", "github-sandbox"].map((name) => ({
    find: new RegExp(`^@agent-runner/${name}$`),
    replacement: src(`./packages/${name}/src/index.ts`),
  })),
  ...["poller", "worker"].map((name) => ({
    find: new RegExp(`^@agent-runner/${name}$`),
    replacement: src(`./services/${name}/src/index.ts`),
  })),
];

const common = { alias, environment: "node" as const, restoreMocks: true };

export default defineConfig({
  test: {
    // Integration tests share the machine's CPU with git, Redis and the sandbox:
    // a few files at a time (the chaos script also turns file parallelism off).
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        test: {
          ...common,
          name: "unit",
          include: ["{packages,services,bench,deploy,scripts}/**/*.test.ts", "*.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**", "**/*.int.test.ts", "**/*.chaos.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          ...common,
          name: "integration",
          include: ["{packages,services,bench,deploy,scripts}/**/*.int.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          ...common,
          name: "chaos",
          include: ["{packages,services,bench,deploy,scripts}/**/*.chaos.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          testTimeout: 900_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
