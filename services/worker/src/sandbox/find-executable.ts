import { access, constants } from "node:fs/promises";
import path from "node:path";

/**
 * The absolute path of `program` on `searchPath`, as a shell would find it.
 * bwrap must be started with an empty environment (its PID 1 inside keeps the
 * environment bwrap was started with, readable in /proc/1/environ), so Node
 * cannot look it up on PATH itself. Rejects with an ENOENT error like spawn's.
 */
export async function findExecutable(program: string, searchPath: string | undefined): Promise<string> {
  if (program.includes("/")) return program;
  for (const dir of (searchPath ?? "").split(":").filter((entry) => path.isAbsolute(entry))) {
    const candidate = path.join(dir, program);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw Object.assign(new Error(`${program} was not found on PATH`), { code: "ENOENT" });
}
