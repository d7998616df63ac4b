import { checkCommonEnv, commaList, commonEnvShape, commonSettings, positiveInt, type DeepReadonly } from "@agent-runner/core";
import { z } from "zod";

/** The poller's environment: the common variables plus what finding dispatch issues needs. */
export const pollerEnvShape = {
  ...commonEnvShape,
  DISPATCH_LABEL: z.string().trim().min(1).default("copilot-agent"),
  POLL_INTERVAL_SECONDS: positiveInt(30),
  TRUSTED_AUTHOR_ASSOCIATIONS: commaList("OWNER,MEMBER,COLLABORATOR").transform((list) => list.map((a) => a.toUpperCase())),
  TRUSTED_AUTHORS: commaList().transform((list) => list.map((a) => a.toLowerCase())),
};

export const pollerConfigSchema = z
  .object(pollerEnvShape)
  .superRefine(checkCommonEnv)
  .transform((env, ctx) => ({
    ...commonSettings(env, "poller", ctx),
    dispatchLabel: env.DISPATCH_LABEL,
    pollIntervalMs: env.POLL_INTERVAL_SECONDS * 1000,
    trustedAuthorAssociations: env.TRUSTED_AUTHOR_ASSOCIATIONS,
    trustedAuthors: env.TRUSTED_AUTHORS,
  }));

export type PollerConfig = DeepReadonly<z.output<typeof pollerConfigSchema>>;
