import { z } from "zod";
import { commaList } from "../config/env-fields.js";

/** Who may dispatch and steer tasks: the poller checks issue authors and commenters, the worker a requeued job's issue. */
export interface TrustPolicy {
  /** Upper-case author_association values trusted to dispatch work. */
  readonly trustedAuthorAssociations: readonly string[];
  /** Lower-case logins trusted whatever their association (e.g. the producer's bot). */
  readonly trustedAuthors: readonly string[];
}

/** The trust variables, read by both services: the worker checks a requeued job's issue by the same rule. */
export const trustEnvShape = {
  TRUSTED_AUTHOR_ASSOCIATIONS: commaList("OWNER,MEMBER,COLLABORATOR").transform((list) => list.map((a) => a.toUpperCase())),
  TRUSTED_AUTHORS: commaList().transform((list) => list.map((a) => a.toLowerCase())),
};

export type TrustEnv = z.output<z.ZodObject<typeof trustEnvShape>>;

export function trustPolicy(env: TrustEnv): TrustPolicy {
  return { trustedAuthorAssociations: env.TRUSTED_AUTHOR_ASSOCIATIONS, trustedAuthors: env.TRUSTED_AUTHORS };
}

/** The one trust rule, for issue authors and commenters alike: a trusted association or a listed login. */
export function isTrustedActor(login: string | undefined, association: string | undefined, policy: TrustPolicy): boolean {
  if (association !== undefined && policy.trustedAuthorAssociations.includes(association.toUpperCase())) return true;
  const lower = login?.toLowerCase();
  return lower !== undefined && policy.trustedAuthors.includes(lower);
}
