import type { SandboxOptions } from "../types.js";

export interface CliOptions {
  sandbox: SandboxOptions;
  /** Create acme/dispatch and acme/target. */
  seed: boolean;
  /** Also open one dispatch issue in the producer's format (implies seed). */
  exampleIssue: boolean;
  /** Print one JSON line instead of the human-readable banner. */
  json: boolean;
  help: boolean;
}

export const USAGE = `Usage: pnpm sandbox [options]

Runs a local GitHub stand-in: REST API, git smart HTTP and an admin API.

Options (environment variable in brackets):
  --port <n>          listen port, 0 = random            [SANDBOX_PORT]      default 0
  --host <addr>       listen address                    [SANDBOX_HOST]      default 127.0.0.1
  --public-url <url>  origin clients use, in every URL handed out [SANDBOX_PUBLIC_URL] default http://<host>:<port>
  --data-dir <path>   where bare repositories live      [SANDBOX_DATA_DIR]  default a temp dir, removed on exit
  --latency <ms>      added to every API request        [SANDBOX_LATENCY_MS] default 0
  --validate          validate responses against GitHub's OpenAPI description [SANDBOX_VALIDATE=1]
  --seed              create acme/dispatch and acme/target
  --example-issue     with --seed, also open one dispatch issue labelled copilot-agent
  --json              print one JSON line (apiUrl, gitUrl, adminUrl, tokens, users) instead of the banner
  -h, --help          show this help
Fixed tokens: SANDBOX_OWNER_TOKEN, SANDBOX_READONLY_TOKEN, SANDBOX_OUTSIDER_TOKEN, SANDBOX_ADMIN_TOKEN.`;

/** Flags win over environment variables; unknown flags are an error so typos do not go unnoticed. */
export function parseCliOptions(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const flags = new Map<string, string | true>();
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? "";
    const [name, inline] = arg.split("=", 2) as [string, string | undefined];
    if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined) throw new Error(`${name} needs a value`);
      flags.set(name, value);
    } else if (SWITCHES.has(name)) flags.set(name, true);
    else throw new Error(`Unknown option ${arg}\n\n${USAGE}`);
  }
  const text = (flag: string, variable: string) => {
    const value = flags.get(flag);
    return typeof value === "string" ? value : env[variable];
  };
  const port = text("--port", "SANDBOX_PORT");
  const latency = text("--latency", "SANDBOX_LATENCY_MS");
  const exampleIssue = flags.has("--example-issue");
  return {
    sandbox: compact({
      port: port === undefined ? undefined : integer(port, "--port"),
      host: text("--host", "SANDBOX_HOST"),
      publicUrl: text("--public-url", "SANDBOX_PUBLIC_URL"),
      dataDir: text("--data-dir", "SANDBOX_DATA_DIR"),
      latencyMs: latency === undefined ? undefined : integer(latency, "--latency"),
      validateResponses: flags.has("--validate") || env["SANDBOX_VALIDATE"] === "1" ? true : undefined,
      tokens: compact({
        owner: env["SANDBOX_OWNER_TOKEN"],
        readOnly: env["SANDBOX_READONLY_TOKEN"],
        outsider: env["SANDBOX_OUTSIDER_TOKEN"],
      }),
      adminToken: env["SANDBOX_ADMIN_TOKEN"],
    }),
    seed: flags.has("--seed") || exampleIssue,
    exampleIssue,
    json: flags.has("--json"),
    help: flags.has("--help") || flags.has("-h"),
  };
}

const VALUE_FLAGS = new Set(["--port", "--host", "--public-url", "--data-dir", "--latency"]);
const SWITCHES = new Set(["--validate", "--seed", "--example-issue", "--json", "--help", "-h"]);

function integer(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a non-negative integer, got ${value}`);
  return Number(value);
}

/** Drops undefined entries so they do not override defaults. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
