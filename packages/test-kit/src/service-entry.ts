import { createRequire } from "node:module";

export type ServiceKind = "poller" | "worker";

const require = createRequire(import.meta.url);

/**
 * The built entry point (`dist/main.js`) of a service, resolved through its
 * package's `./main` export, as `node` would run it in production.
 */
export function serviceEntry(kind: ServiceKind): string {
  try {
    return require.resolve(`@agent-runner/${kind}/main`);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new Error(`the ${kind}'s entry point does not resolve (${reason}): run \`pnpm build\` first`);
  }
}
