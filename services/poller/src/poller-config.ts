import { booleanFlag, checkCommonEnv, trustEnvShape, commonEnvShape, commonSettings, firstLine, positiveInt, readSecretFile, type DeepReadonly } from "@agent-runner/core";
import { z } from "zod";

const WEBHOOK_SECRET_MIN_LENGTH = 16;

/** The poller's environment: the common variables plus what finding dispatch issues needs. */
export const pollerEnvShape = {
  ...commonEnvShape,
  DISPATCH_LABEL: z.string().trim().min(1).default("copilot-agent"),
  POLL_INTERVAL_SECONDS: positiveInt(30),
  FULL_SWEEP_INTERVAL_SECONDS: positiveInt(3600),
  ...trustEnvShape,
  /** What starts a command comment on a dispatch issue: `<prefix> retry`, `<prefix> cancel`. */
  COMMAND_PREFIX: z.string().trim().regex(/^\S+$/, "must be one word").default("/agent"),
  GITHUB_WEBHOOK_SECRET: z.string().trim().min(WEBHOOK_SECRET_MIN_LENGTH, `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters`).optional(),
  /** Instead of GITHUB_WEBHOOK_SECRET: a file holding it (a mounted Secret), like GITHUB_TOKEN_FILE. */
  GITHUB_WEBHOOK_SECRET_FILE: z.string().trim().min(1).optional(),
  WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  WEBHOOK_POLL_INTERVAL_SECONDS: positiveInt(300),
  /**
   * How often the poller lists the target repositories' comments for follow-ups (one conditional
   * request per repository: free when nothing changed, one rate-limited call for a repository where
   * anyone commented on anything). 0: only webhook deliveries bring follow-ups.
   */
  FOLLOW_UP_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(60),
  /** A cancel also closes the task's open PR, with one comment on it. */
  CLOSE_PR_ON_CANCEL: booleanFlag(false),
  /** How often the reconcile sweep looks for drift; 0 turns it off. */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(900),
  /** The sweep deletes orphan `agent-task-*` branches the runner provably pushed last (else it only reports them). */
  RECONCILE_DELETE_ORPHAN_BRANCHES: booleanFlag(false),
  /** A job active longer than this is reported stuck. */
  RECONCILE_STUCK_JOB_SECONDS: positiveInt(3600),
};

export const pollerConfigSchema = z
  .object(pollerEnvShape)
  .superRefine(checkCommonEnv)
  .superRefine((env, ctx) => {
    if (env.GITHUB_WEBHOOK_SECRET !== undefined && env.GITHUB_WEBHOOK_SECRET_FILE !== undefined) {
      ctx.addIssue({ code: "custom", path: ["GITHUB_WEBHOOK_SECRET_FILE"], message: "and GITHUB_WEBHOOK_SECRET are both set: choose one" });
    }
    const hasSecret = env.GITHUB_WEBHOOK_SECRET !== undefined || env.GITHUB_WEBHOOK_SECRET_FILE !== undefined;
    if (hasSecret !== (env.WEBHOOK_PORT !== undefined)) {
      const missing = hasSecret ? "WEBHOOK_PORT" : "GITHUB_WEBHOOK_SECRET";
      ctx.addIssue({ code: "custom", path: [missing], message: "GITHUB_WEBHOOK_SECRET (or _FILE) and WEBHOOK_PORT must be set together" });
    }
  })
  .transform((env, ctx) => {
    const webhookSecret = readWebhookSecret(env, ctx);
    return {
      ...commonSettings(env, "poller", ctx),
      dispatchLabel: env.DISPATCH_LABEL,
      pollIntervalMs: env.POLL_INTERVAL_SECONDS * 1000,
      fullSweepIntervalMs: env.FULL_SWEEP_INTERVAL_SECONDS * 1000,
      trustedAuthorAssociations: env.TRUSTED_AUTHOR_ASSOCIATIONS,
      trustedAuthors: env.TRUSTED_AUTHORS,
      commandPrefix: env.COMMAND_PREFIX,
      closePullOnCancel: env.CLOSE_PR_ON_CANCEL,
      followUpPollIntervalMs: env.FOLLOW_UP_POLL_INTERVAL_SECONDS * 1000,
      reconcile:
        env.RECONCILE_INTERVAL_SECONDS === 0
          ? undefined
          : {
              intervalMs: env.RECONCILE_INTERVAL_SECONDS * 1000,
              deleteOrphanBranches: env.RECONCILE_DELETE_ORPHAN_BRANCHES,
              stuckJobMs: env.RECONCILE_STUCK_JOB_SECONDS * 1000,
            },
      webhook:
        webhookSecret !== undefined && env.WEBHOOK_PORT !== undefined
          ? { secret: webhookSecret, port: env.WEBHOOK_PORT, pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_SECONDS * 1000 }
          : undefined,
      /** Scrubbed from every log line like the token. */
      extraSecrets: webhookSecret === undefined ? [] : [webhookSecret],
    };
  });

/**
 * GITHUB_WEBHOOK_SECRET, or the first line of GITHUB_WEBHOOK_SECRET_FILE (a mounted Secret, whose
 * file usually ends in a newline). The file's content meets the same minimum length as the variable.
 */
function readWebhookSecret(env: { GITHUB_WEBHOOK_SECRET?: string; GITHUB_WEBHOOK_SECRET_FILE?: string }, ctx: z.RefinementCtx): string | undefined {
  if (env.GITHUB_WEBHOOK_SECRET !== undefined) return env.GITHUB_WEBHOOK_SECRET;
  if (env.GITHUB_WEBHOOK_SECRET_FILE === undefined) return undefined;
  const text = readSecretFile(env.GITHUB_WEBHOOK_SECRET_FILE, "GITHUB_WEBHOOK_SECRET_FILE", ctx);
  if (text === undefined) return undefined;
  const secret = firstLine(text);
  if (secret.length < WEBHOOK_SECRET_MIN_LENGTH) {
    // The length only: the secret itself never goes into an error message.
    ctx.addIssue({ code: "custom", path: ["GITHUB_WEBHOOK_SECRET_FILE"], message: `must hold at least ${WEBHOOK_SECRET_MIN_LENGTH} characters on its first line` });
    return undefined;
  }
  return secret;
}

export type PollerConfig = DeepReadonly<z.output<typeof pollerConfigSchema>>;
