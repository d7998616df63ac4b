import { TaskTimeoutError } from "@agent-runner/core";
import type { CommandExit } from "./agent-sandbox.js";

const USERNS_REFUSED = /No permissions to creat\w* new namespace|Creating new namespace failed|setting up uid map|unprivileged user namespaces/i;
/** Docker masks parts of /proc; the kernel then refuses a fresh procfs in a new user namespace. */
const PROC_MASKED = /Can't mount proc/i;

/**
 * Why `bwrap ... true` failed, from what bwrap printed, in terms an operator
 * can act on. Refused user namespaces are by far the most common cause and
 * have several distinct switches, so they get named.
 */
export function explainProbeFailure(output: string, exit: CommandExit): string {
  const said = output.trim().split("\n").slice(-3).join(" ").slice(0, 500);
  const how = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with code ${exit.code}`;
  if (USERNS_REFUSED.test(said)) {
    return (
      `user namespaces are refused to this process (bwrap said: ${said}). Allow them: ` +
      "sysctl user.max_user_namespaces > 0 and kernel.unprivileged_userns_clone=1 (Debian before 11), " +
      "kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap (Ubuntu 23.10+), " +
      "and in a container a seccomp profile that permits unshare/clone of user namespaces"
    );
  }
  if (PROC_MASKED.test(said)) {
    return (
      `a fresh /proc cannot be mounted (bwrap said: ${said}): the container masks parts of /proc; ` +
      "run the worker container with --security-opt systempaths=unconfined (compose: security_opt)"
    );
  }
  return `bwrap could not run a trivial command: it ${how}${said === "" ? " and printed nothing" : ` and said: ${said}`}`;
}

/** Why bwrap could not even be started, or did not finish. */
export function explainProbeError(error: unknown, bwrapPath: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `${bwrapPath} was not found: install bubblewrap (apt-get install bubblewrap)`;
  if (code === "EACCES") return `${bwrapPath} is not executable by the worker's user`;
  if (error instanceof TaskTimeoutError) return `bwrap did not finish a trivial command within ${error.timeoutMs} ms`;
  return `bwrap failed: ${error instanceof Error ? error.message : String(error)}`;
}
