import { createAgentSandbox, measureSandboxStartup } from "@agent-runner/worker";
import type { BenchContext, ScenarioOutcome } from "../scenario.js";
import { round } from "../stats.js";

/**
 * What the agent sandbox (bubblewrap) adds to starting the change command:
 * `/bin/true` in the sandbox against `/bin/true` as a plain child, median of
 * many alternating runs. Paid once per task that runs the `command` handler.
 */
export async function sandboxStartup(ctx: BenchContext): Promise<ScenarioOutcome> {
  const runs = ctx.quick ? 15 : 60;
  const sandbox = createAgentSandbox("bubblewrap");
  await sandbox.probe();
  ctx.progress(`${runs} runs of /bin/true with and without the sandbox`);
  const cost = await measureSandboxStartup(sandbox, runs);
  return {
    figures: [
      {
        id: "sandbox-startup-overhead",
        label: "Agent sandbox (bubblewrap) start-up cost per task, median",
        value: round(cost.overheadMs, 1),
        unit: "ms",
        target: { op: "<=", value: 100 },
        note: `${runs} runs each way: /bin/true took ${round(cost.sandboxedMedianMs, 1)} ms in the sandbox and ${round(cost.unsandboxedMedianMs, 1)} ms as a plain child process.`,
      },
    ],
    details: { ...cost },
  };
}
