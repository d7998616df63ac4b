export const SCENARIO_NAMES = [
  "api-economy",
  "throughput-scaling",
  "throttled-ceiling",
  "enqueue-at-scale",
  "clone-cost",
  "worker-memory",
  "trigger-latency",
  "sandbox-startup",
  "polling-economy",
  "webhook-trigger",
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface CliArgs {
  readonly quick: boolean;
  readonly only: readonly ScenarioName[];
  readonly outDir: string;
}

export const USAGE = `usage: node bench/dist/run.js [--quick] [--only <name,...>] [--out <dir>]

  --quick        small sizes (a few minutes); what CI runs
  --only         run these scenarios only: ${SCENARIO_NAMES.join(", ")}
  --out          where results go (default bench/results)`;

export class UsageError extends Error {}

/** Parses the command line; throws UsageError on anything it does not know. */
export function parseCliArgs(argv: readonly string[], defaultOutDir: string): CliArgs {
  let quick = false;
  let only: ScenarioName[] = [...SCENARIO_NAMES];
  let outDir = defaultOutDir;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--quick") quick = true;
    else if (flag === "--only") only = parseNames(value());
    else if (flag === "--out") outDir = value();
    else if (flag === "--") continue; // pnpm passes its separator through
    else throw new UsageError(`unknown argument: ${arg}`);
  }
  return { quick, only, outDir };
}

function parseNames(list: string): ScenarioName[] {
  const names = list.split(",").map((n) => n.trim()).filter((n) => n !== "");
  const unknown = names.filter((n) => !(SCENARIO_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new UsageError(`unknown scenario(s): ${unknown.join(", ")}`);
  if (names.length === 0) throw new UsageError("--only needs at least one scenario name");
  // Keep the canonical order whatever order they were given in.
  return SCENARIO_NAMES.filter((n) => names.includes(n));
}
