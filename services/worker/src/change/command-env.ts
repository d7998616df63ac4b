import { ConfigError } from "@agent-runner/core";

/** Names a token for GitHub goes by; the change command must never hold one. */
const REFUSED_NAMES = new Set(["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]);
/** Set by the runner for each task; an allowlisted copy would only shadow them. */
const RUNNER_NAMES = new Set(["AGENT_INSTRUCTION_FILE", "AGENT_TASK_ID", "AGENT_TARGET_REPO", "AGENT_ISSUE_URL", "AGENT_BRANCH"]);
const BASE_NAMES = ["PATH", "HOME", "LANG"] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Refuses an allowlist that would hand the change command a GitHub token,
 * by name or by value (an innocently named variable holding the token).
 */
export function checkEnvAllowlist(names: readonly string[], source: NodeJS.ProcessEnv, secrets: readonly string[]): void {
  const problems: string[] = [];
  for (const name of names) {
    if (!NAME.test(name)) problems.push(`CHANGE_COMMAND_ENV lists "${name}", which is not a variable name`);
    else if (REFUSED_NAMES.has(name.toUpperCase())) {
      problems.push(`CHANGE_COMMAND_ENV lists ${name}: the change command must never receive a GitHub token`);
    } else if (RUNNER_NAMES.has(name)) {
      problems.push(`CHANGE_COMMAND_ENV lists ${name}, which the runner sets itself for each task`);
    } else if (holdsSecret(source[name], secrets)) {
      problems.push(`CHANGE_COMMAND_ENV lists ${name}, whose value contains the GitHub token`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * The change command's whole environment, built from nothing: PATH, HOME and
 * LANG, the allowlisted names that are set, then the task's own variables.
 * Nothing else of the worker's environment (its token above all) leaks through.
 */
export function buildCommandEnv(
  source: NodeJS.ProcessEnv,
  allowlist: readonly string[],
  secrets: readonly string[],
  task: Readonly<Record<string, string>>,
): Record<string, string> {
  checkEnvAllowlist(allowlist, source, secrets);
  const env: Record<string, string> = { PATH: source["PATH"] ?? FALLBACK_PATH };
  for (const name of [...BASE_NAMES, ...allowlist]) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...task };
}

/** The values of the allowlisted variables, which are credentials as often as not. */
export function allowlistedValues(source: NodeJS.ProcessEnv, allowlist: readonly string[]): string[] {
  return allowlist.map((name) => source[name]).filter((value): value is string => value !== undefined && value.length >= 8);
}

function holdsSecret(value: string | undefined, secrets: readonly string[]): boolean {
  return value !== undefined && secrets.some((secret) => secret.length >= 4 && value.includes(secret));
}
