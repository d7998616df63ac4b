import { repoPath, serviceEntry } from "@agent-runner/test-kit";
import { parseCliArgs, SCENARIO_NAMES, USAGE, UsageError } from "./cli-args.js";
import type { ScenarioResult } from "./figure.js";
import { runAllCleanups } from "./harness/cleanup-stack.js";
import { connectRedis, redisVersion } from "./harness/redis-keys.js";
import { machineInfo } from "./machine-info.js";
import { renderReport } from "./report/markdown-report.js";
import { writeResults } from "./report/write-results.js";
import type { BenchContext } from "./scenario.js";
import { SCENARIOS } from "./scenarios/index.js";
import { FULL, QUICK } from "./sizes.js";

function progress(scope: string): (message: string) => void {
  return (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${scope}: ${message}\n`);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseCliArgs(process.argv.slice(2), repoPath("bench/results"));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  // Fails now, with the remedy, rather than in the first scenario.
  serviceEntry("worker");
  serviceEntry("poller");
  const redis = connectRedis();
  const stop = (signal: string): void => {
    process.stderr.write(`\n[bench] ${signal}: stopping services, deleting keys and temp dirs\n`);
    void runAllCleanups().finally(() => process.exit(130));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  try {
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const machine = machineInfo(await redisVersion(redis));
    const sizes = args.quick ? QUICK : FULL;
    const results: ScenarioResult[] = [];
    for (const name of args.only) {
      const scenario = SCENARIOS[name];
      const say = progress(name);
      const context: BenchContext = { quick: args.quick, sizes, redis, progress: say };
      const t0 = performance.now();
      say("start");
      try {
        const outcome = await scenario(context);
        results.push({ name, ...outcome, seconds: (performance.now() - t0) / 1000 });
        say(`done in ${Math.round((performance.now() - t0) / 1000)} s`);
      } catch (error) {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        say(`FAILED: ${text}`);
        results.push({ name, figures: [], details: {}, seconds: (performance.now() - t0) / 1000, error: text });
      }
    }
    const report = { startedAt, mode: args.quick ? ("quick" as const) : ("full" as const), machine, scenarios: results, seconds: (performance.now() - started) / 1000 };
    const complete = args.only.length === SCENARIO_NAMES.length && results.every((r) => r.error === undefined);
    const written = await writeResults(report, args.outDir, [repoPath("README.md"), repoPath("bench/README.md")], complete);
    process.stdout.write(`${renderReport(report)}\n`);
    process.stderr.write(`[bench] wrote ${written.json} and ${written.markdown}${written.readmes.map((r) => ` and ${r}`).join("")}\n`);
    return results.some((r) => r.error !== undefined) ? 1 : 0;
  } finally {
    redis.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`[bench] fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await runAllCleanups();
    process.exit(1);
  },
);
