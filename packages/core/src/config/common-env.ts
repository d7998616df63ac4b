import { z } from "zod";
import type { DeepReadonly } from "./load-config.js";
import { LOG_FORMATS, LOG_LEVELS, commaList, firstLine, positiveInt, readSecretFile, repoRef, splitList } from "./env-fields.js";

export type ServiceName = "poller" | "worker";

/** The variables both services read. Each service extends this shape with its own. */
export const commonEnvShape = {
  GITHUB_TOKEN: z.string().trim().optional(),
  GITHUB_TOKEN_FILE: z.string().trim().min(1).optional(),
  GITHUB_APP_ID: z.coerce.number().int("must be a whole number").positive("must be positive").optional(),
  GITHUB_APP_PRIVATE_KEY: z.string().optional(),
  GITHUB_APP_PRIVATE_KEY_FILE: z.string().trim().min(1).optional(),
  GITHUB_APP_INSTALLATION_ID: z.coerce.number().int("must be a whole number").positive("must be positive").optional(),
  GITHUB_API_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).default("https://api.github.com"),
  DISPATCH_REPO: repoRef("owner/name"),
  REDIS_URL: z
    .string()
    .regex(/^(rediss?|redis\+cluster):\/\//, "must start with redis://, rediss:// or redis+cluster://")
    .default("redis://127.0.0.1:6379"),
  REDIS_CLUSTER_NODES: commaList(),
  REDIS_PASSWORD: z.string().optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_-]+\}$|^[A-Za-z0-9_{}-]+$/, "must be letters, digits, '-', '_' (optionally in {braces})")
    .default("{agent-runner}"),
  PROCESSED_LABEL: z.string().trim().min(1).default("processed"),
  ALLOWED_TARGET_REPOS: z.string().optional(),
  TASK_ATTEMPTS: positiveInt(6),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  LOG_FORMAT: z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(", ")}` }).default("json"),
  BULL_BOARD_USERNAME: z.string().optional(),
  BULL_BOARD_PASSWORD: z.string().optional(),
  GITHUB_WRITES_PER_MINUTE: z.coerce.number().int().min(0).default(60),
} satisfies z.ZodRawShape;

type CommonEnv = z.output<z.ZodObject<typeof commonEnvShape>>;

/** Cross-field rules every service shares; zod reports them with the variable's name. */
export function checkCommonEnv(env: CommonEnv, ctx: z.RefinementCtx): void {
  checkIdentity(env, ctx);
  if ((env.BULL_BOARD_USERNAME === undefined) !== (env.BULL_BOARD_PASSWORD === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [env.BULL_BOARD_USERNAME === undefined ? "BULL_BOARD_USERNAME" : "BULL_BOARD_PASSWORD"],
      message: "BULL_BOARD_USERNAME and BULL_BOARD_PASSWORD must be set together",
    });
  }
}

const DEFAULT_PORTS: Record<ServiceName, number> = { poller: 3000, worker: 3001 };

/** The settings both services share, in the shape the code uses. */
export function commonSettings(env: CommonEnv, service: ServiceName, ctx: z.RefinementCtx) {
  return {
    service,
    /** The personal access token; "" when the runner authenticates as a GitHub App. */
    githubToken: usesApp(env) ? "" : readToken(env, ctx),
    /** Set when the runner authenticates as a GitHub App instead of with a token. */
    githubApp: readApp(env, ctx),
    githubApiUrl: env.GITHUB_API_URL.replace(/\/+$/, ""),
    dispatchRepo: env.DISPATCH_REPO,
    redisUrl: env.REDIS_URL,
    redisClusterNodes: env.REDIS_CLUSTER_NODES,
    /**
     * Redis AUTH, when REDIS_URL carries none (a password in the URL wins). A secret:
     * scrubbed from logs and dropped from the environment like the token.
     */
    redisPassword: env.REDIS_PASSWORD === undefined || env.REDIS_PASSWORD === "" ? undefined : env.REDIS_PASSWORD,
    queuePrefix: env.QUEUE_PREFIX,
    processedLabel: env.PROCESSED_LABEL,
    allowedTargetRepos:
      env.ALLOWED_TARGET_REPOS === undefined ? [`${env.DISPATCH_REPO.owner}/*`] : splitList(env.ALLOWED_TARGET_REPOS),
    taskAttempts: env.TASK_ATTEMPTS,
    port: env.PORT ?? DEFAULT_PORTS[service],
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    bullBoard:
      env.BULL_BOARD_USERNAME !== undefined && env.BULL_BOARD_PASSWORD !== undefined
        ? { username: env.BULL_BOARD_USERNAME, password: env.BULL_BOARD_PASSWORD }
        : undefined,
    /** Fleet-wide budget for GitHub content-creating requests (0 = unthrottled). */
    githubWritesPerMinute: env.GITHUB_WRITES_PER_MINUTE,
  };
}

export type CommonConfig = DeepReadonly<ReturnType<typeof commonSettings>>;

/**
 * Exactly one identity: a token (GITHUB_TOKEN or GITHUB_TOKEN_FILE) or a
 * GitHub App (GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY or _FILE).
 */
function checkIdentity(env: CommonEnv, ctx: z.RefinementCtx): void {
  const hasToken = (env.GITHUB_TOKEN !== undefined && env.GITHUB_TOKEN !== "") || env.GITHUB_TOKEN_FILE !== undefined;
  const hasKey = (env.GITHUB_APP_PRIVATE_KEY !== undefined && env.GITHUB_APP_PRIVATE_KEY !== "") || env.GITHUB_APP_PRIVATE_KEY_FILE !== undefined;
  const app = env.GITHUB_APP_ID !== undefined || hasKey || env.GITHUB_APP_INSTALLATION_ID !== undefined;
  if (hasToken && app) {
    ctx.addIssue({ code: "custom", path: ["GITHUB_APP_ID"], message: "and GITHUB_TOKEN are both set: choose a token or a GitHub App" });
    return;
  }
  if (app) {
    if (env.GITHUB_APP_ID === undefined) ctx.addIssue({ code: "custom", path: ["GITHUB_APP_ID"], message: "is required with a GitHub App private key" });
    if (!hasKey) {
      ctx.addIssue({ code: "custom", path: ["GITHUB_APP_PRIVATE_KEY"], message: "is required with GITHUB_APP_ID (or GITHUB_APP_PRIVATE_KEY_FILE)" });
    } else if (env.GITHUB_APP_PRIVATE_KEY && env.GITHUB_APP_PRIVATE_KEY_FILE !== undefined) {
      ctx.addIssue({ code: "custom", path: ["GITHUB_APP_PRIVATE_KEY_FILE"], message: "and GITHUB_APP_PRIVATE_KEY are both set: choose one" });
    }
    return;
  }
  if (env.GITHUB_TOKEN === undefined || env.GITHUB_TOKEN === "") {
    if (env.GITHUB_TOKEN_FILE === undefined) {
      ctx.addIssue({ code: "custom", path: ["GITHUB_TOKEN"], message: "is required (or GITHUB_TOKEN_FILE, or a GitHub App: GITHUB_APP_ID)" });
    }
  } else if (env.GITHUB_TOKEN_FILE !== undefined) {
    ctx.addIssue({ code: "custom", path: ["GITHUB_TOKEN_FILE"], message: "and GITHUB_TOKEN are both set: choose one" });
  }
}

function usesApp(env: CommonEnv): boolean {
  return env.GITHUB_APP_ID !== undefined;
}

export interface GitHubAppSettings {
  readonly appId: number;
  /** PEM; a secret like the token. */
  readonly privateKey: string;
  /** Found from the dispatch repository (GET /repos/{owner}/{repo}/installation) when not set. */
  readonly installationId: number | undefined;
}

function readApp(env: CommonEnv, ctx: z.RefinementCtx): GitHubAppSettings | undefined {
  if (env.GITHUB_APP_ID === undefined) return undefined;
  let privateKey = env.GITHUB_APP_PRIVATE_KEY ?? "";
  if (privateKey === "" && env.GITHUB_APP_PRIVATE_KEY_FILE !== undefined) {
    privateKey = readSecretFile(env.GITHUB_APP_PRIVATE_KEY_FILE, "GITHUB_APP_PRIVATE_KEY_FILE", ctx) ?? "";
  }
  // Environments often carry the PEM on one line with literal "\n"s.
  privateKey = privateKey.replace(/\\n/g, "\n").trim();
  if (privateKey !== "" && !privateKey.startsWith("-----BEGIN")) {
    ctx.addIssue({ code: "custom", path: ["GITHUB_APP_PRIVATE_KEY"], message: "must be a PEM private key (-----BEGIN ...)" });
  }
  return { appId: env.GITHUB_APP_ID, privateKey, installationId: env.GITHUB_APP_INSTALLATION_ID };
}

/** GITHUB_TOKEN, or the first line of GITHUB_TOKEN_FILE (a mounted secret). */
function readToken(env: CommonEnv, ctx: z.RefinementCtx): string {
  if (env.GITHUB_TOKEN !== undefined && env.GITHUB_TOKEN !== "") return env.GITHUB_TOKEN;
  if (env.GITHUB_TOKEN_FILE === undefined) return "";
  const text = readSecretFile(env.GITHUB_TOKEN_FILE, "GITHUB_TOKEN_FILE", ctx);
  if (text === undefined) return "";
  const token = firstLine(text);
  if (token === "") ctx.addIssue({ code: "custom", path: ["GITHUB_TOKEN_FILE"], message: "names an empty file" });
  return token;
}
