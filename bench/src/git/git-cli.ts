import { spawn } from "node:child_process";
import type { Writable } from "node:stream";

export interface GitRun {
  readonly stdout: string;
  readonly seconds: number;
}

/** Runs git; rejects with its stderr on a non-zero exit. `feed` writes its stdin. */
export function git(args: readonly string[], options: { cwd?: string; feed?: (stdin: Writable) => Promise<void> } = {}): Promise<GitRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-4000)));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve({ stdout, seconds: (performance.now() - started) / 1000 });
      else reject(new Error(`git ${args[0] ?? ""} failed (${String(code)}): ${stderr.trim().replace(/x-access-token:[^@]+@/g, "x-access-token:***@")}`));
    });
    if (options.feed === undefined) child.stdin.end();
    else {
      // A failed git closes its stdin early; the exit code explains why.
      child.stdin.on("error", () => undefined);
      options.feed(child.stdin).then(
        () => child.stdin.end(),
        (error: unknown) => {
          child.kill();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }
  });
}
