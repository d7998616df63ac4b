import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Workspace packages resolve to their sources, so tests never run against a stale dist/.
// Sub-path entries (`/testing`) come first: an alias matches by prefix.
const alias = [
  { find: "@agent-runner/core/testing", replacement: src("./packages/core/src/testing.ts") },
  ...["core", "github", "git", "runtime", "github-sandbox", "test-kit"].map((name) => ({
    find: new RegExp(`^@agent-runner/${name}$`),
    replacement: src(`./packages/${name}/src/index.ts`),
  })),
  ...["poller", "worker"].map((name) => ({
    find: new RegExp(`^@agent-runner/${name}$`),
    replacement: src(`./services/${name}/src/index.ts`),
  })),
];

const common = { alias, environment: "node" as const, restoreMocks: true };
// Tests that need Redis get it through REDIS_URL: given, or found once per run (testcontainers when a
// Docker API answers, else the local one): packages/test-kit/src/redis-for-tests.ts.
const redisGlobalSetup = [src("./packages/test-kit/src/redis-global-setup.ts")];

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
          include: ["{packages,services,bench,deploy,scripts,tests}/**/*.test.ts", "*.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**", "**/*.int.test.ts", "**/*.chaos.test.ts", "**/*.containers.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          ...common,
          name: "integration",
          include: ["{packages,services,bench,deploy,scripts,tests}/**/*.int.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          globalSetup: redisGlobalSetup,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          ...common,
          name: "chaos",
          include: ["{packages,services,bench,deploy,scripts,tests}/**/*.chaos.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          globalSetup: redisGlobalSetup,
          testTimeout: 900_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The images built from the Dockerfile, run by docker-compose on a real engine (podman's Docker
        // API here): `pnpm test:containers` sets the engine up, builds the images and runs these.
        test: {
          ...common,
          name: "containers",
          include: ["tests/system/src/containers/**/*.containers.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
