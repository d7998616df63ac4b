import os from "node:os";
import path from "node:path";
import {
  argvJson,
  booleanFlag,
  checkCommonEnv,
  commaList,
  commonEnvShape,
  commonSettings,
  positiveInt,
  trustEnvShape,
  trustPolicy,
  type DeepReadonly,
} from "@agent-runner/core";
import { z } from "zod";

const CHANGE_HANDLERS = ["trace", "patch", "command"] as const;
const AGENT_SANDBOXES = ["bubblewrap", "none"] as const;

/** The worker's environment: the common variables plus what running tasks needs. */
export const workerEnvShape = {
  ...commonEnvShape,
  /** Read again at each attempt: a requeued job's issue must still come from a trusted author. */
  ...trustEnvShape,
  WORKER_CONCURRENCY: positiveInt(2),
  AGENT_NAME: z.string().trim().min(1).default("agent-runner"),
  AGENT_EMAIL: z.string().trim().min(3).optional(),
  WORKSPACE_DIR: z.string().optional(),
  TASK_TIMEOUT_SECONDS: positiveInt(600),
  JOB_LOCK_SECONDS: positiveInt(30),
  STALLED_CHECK_SECONDS: positiveInt(15),
  TASK_RETRY_ON_TIMEOUT: booleanFlag(false),
  /** Unset: on for the command handler, off otherwise. */
  KEEP_WORK_ON_TIMEOUT: z.stringbool({ error: "must be true or false" }).optional(),
  CHANGE_HANDLER: z.enum(CHANGE_HANDLERS, { error: "must be trace, patch or command" }).default("trace"),
  CHANGE_COMMAND: argvJson().optional(),
  CHANGE_COMMAND_ENV: commaList(),
  AGENT_SANDBOX: z.enum(AGENT_SANDBOXES, { error: "must be bubblewrap or none" }).default("bubblewrap"),
  AGENT_NETWORK: booleanFlag(false),
  AGENT_SANDBOX_READ_ONLY_PATHS: commaList().superRefine((paths, ctx) => {
    for (const dir of paths) {
      if (!path.isAbsolute(dir) || path.normalize(dir) !== dir || dir === "/") {
        ctx.addIssue({ code: "custom", message: `lists "${dir}": each entry must be an absolute, normalized path other than /` });
      }
    }
  }),
};

export const workerConfigSchema = z
  .object(workerEnvShape)
  .superRefine(checkCommonEnv)
  .superRefine((env, ctx) => {
    if (env.CHANGE_HANDLER === "command" && env.CHANGE_COMMAND === undefined) {
      ctx.addIssue({ code: "custom", path: ["CHANGE_COMMAND"], message: "is required when CHANGE_HANDLER=command" });
    }
  })
  .transform((env, ctx) => ({
    ...commonSettings(env, "worker", ctx),
    workerConcurrency: env.WORKER_CONCURRENCY,
    trust: trustPolicy(env),
    agentName: env.AGENT_NAME,
    agentEmail: env.AGENT_EMAIL ?? `${env.AGENT_NAME.replace(/[^A-Za-z0-9._-]/g, "-")}@users.noreply.github.com`,
    workspaceDir: env.WORKSPACE_DIR ?? path.join(os.tmpdir(), "agent-runner"),
    taskTimeoutMs: env.TASK_TIMEOUT_SECONDS * 1000,
    taskRetryOnTimeout: env.TASK_RETRY_ON_TIMEOUT,
    /** A change step stopped by the timeout with changes in the tree pushes them as a draft PR instead of losing them. */
    keepWorkOnTimeout: env.KEEP_WORK_ON_TIMEOUT ?? env.CHANGE_HANDLER === "command",
    /** How long a job's lock lives without renewal: a killed worker's job is taken back after about this. */
    jobLockMs: env.JOB_LOCK_SECONDS * 1000,
    /** How often each worker looks for jobs whose lock lapsed (stalled jobs) and puts them back. */
    stalledCheckMs: env.STALLED_CHECK_SECONDS * 1000,
    change: changeSettings(env),
  }));

export type WorkerConfig = DeepReadonly<z.output<typeof workerConfigSchema>>;

type WorkerEnv = z.output<z.ZodObject<typeof workerEnvShape>>;

/** The change step, as one value: the command handler always comes with its command. */
function changeSettings(env: WorkerEnv) {
  if (env.CHANGE_HANDLER === "command") {
    return {
      handler: "command" as const,
      command: env.CHANGE_COMMAND ?? [],
      commandEnv: env.CHANGE_COMMAND_ENV,
      /** How the command is isolated: an OS sandbox unless the operator opted out explicitly. */
      sandbox: env.AGENT_SANDBOX,
      /** Whether the sandboxed command may use the network (off: not even the host's loopback). */
      network: env.AGENT_NETWORK,
      /** Host directories the sandboxed command may read, for agent CLIs installed outside /usr. */
      readOnlyPaths: env.AGENT_SANDBOX_READ_ONLY_PATHS,
    };
  }
  return { handler: env.CHANGE_HANDLER };
}
