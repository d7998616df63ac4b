#!/usr/bin/env node
import { parseCliOptions, USAGE } from "./cli/cli-options.js";
import { runCli } from "./cli/run-cli.js";

/** `pnpm sandbox`: runs the sandbox until SIGINT/SIGTERM, then closes it (removing a temp data dir). */
async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2), process.env);
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const sandbox = await runCli(options, (line) => console.log(line));
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
