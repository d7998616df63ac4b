import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { parseRepoRef, type RepoRef } from "../task/repo-name.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const positiveInt = (fallback: number) =>
  z.coerce.number().int("must be a whole number").positive("must be positive").default(fallback);

const list = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

const envSchema = z.object({
  GITHUB_TOKEN: z.string({ error: "is required" }).trim().min(1, "is required"),
  GITHUB_API_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).default("https://api.github.com"),
  DISPATCH_REPO: z
    .string({ error: "is required (owner/name)" })
    .transform((value, ctx) => {
      const ref = parseRepoRef(value);
      if (ref === undefined) ctx.addIssue({ code: "custom", message: "must be owner/name" });
      return ref as RepoRef;
    }),
  REDIS_URL: z
    .string()
    .regex(/^(rediss?|redis\+cluster):\/\//, "must start with redis://, rediss:// or redis+cluster://")
    .default("redis://127.0.0.1:6379"),
  REDIS_CLUSTER_NODES: z.string().optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_-]+\}$|^[A-Za-z0-9_{}-]+$/, "must be letters, digits, '-', '_' (optionally in {braces})")
    .default("{agent-runner}"),
  DISPATCH_LABEL: z.string().trim().min(1).default("copilot-agent"),
  PROCESSED_LABEL: z.string().trim().min(1).default("processed"),
  POLL_INTERVAL_SECONDS: positiveInt(30),
  WORKER_CONCURRENCY: positiveInt(2),
  ALLOWED_TARGET_REPOS: z.string().optional(),
  TRUSTED_AUTHOR_ASSOCIATIONS: z.string().default("OWNER,MEMBER,COLLABORATOR"),
  TRUSTED_AUTHORS: z.string().default(""),
  AGENT_NAME: z.string().trim().min(1).default("agent-runner"),
  AGENT_EMAIL: z.string().trim().min(3).optional(),
  WORKSPACE_DIR: z.string().optional(),
  TASK_TIMEOUT_SECONDS: positiveInt(600),
  TASK_ATTEMPTS: positiveInt(6),
  JOB_LOCK_SECONDS: positiveInt(30),
  STALLED_CHECK_SECONDS: positiveInt(15),
  TASK_RETRY_ON_TIMEOUT: z.stringbool({ error: "must be true or false" }).default(false),
  CHANGE_HANDLER: z.enum(["trace", "patch", "command"], { error: "must be trace, patch or command" }).default("trace"),
  CHANGE_COMMAND: z.string().optional(),
  CHANGE_COMMAND_ENV: z.string().default(""),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  BULL_BOARD_USERNAME: z.string().optional(),
  BULL_BOARD_PASSWORD: z.string().optional(),
  GITHUB_WRITES_PER_MINUTE: z.coerce.number().int().min(0).default(60),
});

export type ServiceName = "poller" | "worker";

export interface Config {
  readonly service: ServiceName;
  readonly githubToken: string;
  readonly githubApiUrl: string;
  readonly dispatchRepo: RepoRef;
  readonly redisUrl: string;
  readonly redisClusterNodes: readonly string[];
  readonly queuePrefix: string;
  readonly dispatchLabel: string;
  readonly processedLabel: string;
  readonly pollIntervalMs: number;
  readonly workerConcurrency: number;
  readonly allowedTargetRepos: readonly string[];
  readonly trustedAuthorAssociations: readonly string[];
  readonly trustedAuthors: readonly string[];
  readonly agentName: string;
  readonly agentEmail: string;
  readonly workspaceDir: string;
  readonly taskTimeoutMs: number;
  readonly taskAttempts: number;
  readonly taskRetryOnTimeout: boolean;
  /** How long a job's lock lives without renewal: a killed worker's job is taken back after about this. */
  readonly jobLockMs: number;
  /** How often each worker looks for jobs whose lock lapsed (stalled jobs) and puts them back. */
  readonly stalledCheckMs: number;
  readonly changeHandler: "trace" | "patch" | "command";
  readonly changeCommand: readonly string[] | undefined;
  readonly changeCommandEnv: readonly string[];
  readonly port: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly bullBoard: { readonly username: string; readonly password: string } | undefined;
  /** Fleet-wide budget for GitHub content-creating requests (0 = unthrottled). */
  readonly githubWritesPerMinute: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const DEFAULT_PORTS: Record<ServiceName, number> = { poller: 3000, worker: 3001 };

/** Reads and validates the environment once; the result is frozen and passed down. */
export function loadConfig(env: NodeJS.ProcessEnv, service: ServiceName): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const changeCommand = e.CHANGE_COMMAND === undefined ? undefined : parseArgv(e.CHANGE_COMMAND, problems);
  if (e.CHANGE_HANDLER === "command" && changeCommand === undefined) {
    problems.push("CHANGE_COMMAND is required when CHANGE_HANDLER=command");
  }
  if ((e.BULL_BOARD_USERNAME === undefined) !== (e.BULL_BOARD_PASSWORD === undefined)) {
    problems.push("BULL_BOARD_USERNAME and BULL_BOARD_PASSWORD must be set together");
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const agentName = e.AGENT_NAME;
  return Object.freeze({
    service,
    githubToken: e.GITHUB_TOKEN,
    githubApiUrl: e.GITHUB_API_URL.replace(/\/+$/, ""),
    dispatchRepo: Object.freeze(e.DISPATCH_REPO),
    redisUrl: e.REDIS_URL,
    redisClusterNodes: Object.freeze(list(e.REDIS_CLUSTER_NODES)),
    queuePrefix: e.QUEUE_PREFIX,
    dispatchLabel: e.DISPATCH_LABEL,
    processedLabel: e.PROCESSED_LABEL,
    pollIntervalMs: e.POLL_INTERVAL_SECONDS * 1000,
    workerConcurrency: e.WORKER_CONCURRENCY,
    allowedTargetRepos: Object.freeze(
      e.ALLOWED_TARGET_REPOS === undefined ? [`${e.DISPATCH_REPO.owner}/*`] : list(e.ALLOWED_TARGET_REPOS),
    ),
    trustedAuthorAssociations: Object.freeze(list(e.TRUSTED_AUTHOR_ASSOCIATIONS).map((a) => a.toUpperCase())),
    trustedAuthors: Object.freeze(list(e.TRUSTED_AUTHORS).map((a) => a.toLowerCase())),
    agentName,
    agentEmail: e.AGENT_EMAIL ?? `${agentName.replace(/[^A-Za-z0-9._-]/g, "-")}@users.noreply.github.com`,
    workspaceDir: e.WORKSPACE_DIR ?? path.join(os.tmpdir(), "agent-runner"),
    taskTimeoutMs: e.TASK_TIMEOUT_SECONDS * 1000,
    taskAttempts: Math.max(e.TASK_ATTEMPTS, 1),
    taskRetryOnTimeout: e.TASK_RETRY_ON_TIMEOUT,
    jobLockMs: e.JOB_LOCK_SECONDS * 1000,
    stalledCheckMs: e.STALLED_CHECK_SECONDS * 1000,
    changeHandler: e.CHANGE_HANDLER,
    changeCommand: changeCommand === undefined ? undefined : Object.freeze(changeCommand),
    changeCommandEnv: Object.freeze(list(e.CHANGE_COMMAND_ENV)),
    port: e.PORT ?? DEFAULT_PORTS[service],
    logLevel: e.LOG_LEVEL,
    bullBoard:
      e.BULL_BOARD_USERNAME !== undefined && e.BULL_BOARD_PASSWORD !== undefined
        ? Object.freeze({ username: e.BULL_BOARD_USERNAME, password: e.BULL_BOARD_PASSWORD })
        : undefined,
    githubWritesPerMinute: e.GITHUB_WRITES_PER_MINUTE,
  });
}

/** CHANGE_COMMAND is an argv: a JSON array of strings (no shell involved). */
function parseArgv(value: string, problems: string[]): string[] | undefined {
  try {
    const argv: unknown = JSON.parse(value);
    if (Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === "string")) return argv;
  } catch {
    // fall through to the message below
  }
  problems.push('CHANGE_COMMAND must be a JSON array of strings, e.g. ["my-agent","--yes"]');
  return undefined;
}
