import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const require = createRequire(import.meta.url);

// Built at run time so no token-shaped literal sits in the repository (secret scanners).
const TOKEN = ["ghp", "tokenLeavesTheEnvironment0123456789abcd"].join("_");

interface Report {
  readonly own: { readonly token: string | null; readonly control: string | null };
  readonly child: { readonly token: string | null; readonly control: string | null };
}

/**
 * What a service process started with GITHUB_TOKEN in its environment sees
 * once runService (what main.ts of the poller and the worker call) has
 * started it: its own process.env, and the environment of a child it spawns
 * the ordinary way (inheriting process.env). Runs the built packages, as
 * production does: `pnpm build` first.
 */
async function serviceReport(env: Record<string, string>): Promise<Report> {
  const runtime = pathToFileURL(require.resolve("@agent-runner/runtime")).href;
  const worker = pathToFileURL(require.resolve("@agent-runner/worker")).href;
  const script = `
    import { spawnSync } from "node:child_process";
    import { runService } from ${JSON.stringify(runtime)};
    import { workerConfigSchema } from ${JSON.stringify(worker)};
    const seen = (e) => ({ token: e.GITHUB_TOKEN ?? null, control: e.CONTROL_VARIABLE ?? null });
    runService("worker", workerConfigSchema, async () => {
      const child = spawnSync(process.execPath, ["-e", "process.stdout.write(JSON.stringify(process.env))"], { encoding: "utf8" });
      process.stdout.write("REPORT " + JSON.stringify({ own: seen(process.env), child: seen(JSON.parse(child.stdout)) }) + "\\n");
      process.exit(0);
    });
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env },
    timeout: 60_000,
  });
  const line = stdout.split("\n").find((l) => l.startsWith("REPORT "));
  if (line === undefined) throw new Error(`the service printed no report:\n${stdout}`);
  return JSON.parse(line.slice("REPORT ".length)) as Report;
}

describe("GITHUB_TOKEN in a service's environment", () => {
  it("is gone from process.env once the service has started, and a child it spawns does not inherit it", async () => {
    const report = await serviceReport({ GITHUB_TOKEN: TOKEN, DISPATCH_REPO: "acme/dispatch", CONTROL_VARIABLE: "inherited" });

    expect(report.own.token).toBeNull();
    expect(report.child.token).toBeNull();
    // The control: the same child does inherit the rest of the environment, so the probe really looked.
    expect(report.own.control).toBe("inherited");
    expect(report.child.control).toBe("inherited");
  });
});
