import { execFile, execFileSync } from "node:child_process";

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

// Deterministic identity and no user/system config, so a developer's ~/.gitconfig
// (hooks, signing, init.defaultBranch) cannot change what the sandbox writes.
const GIT_ENV: NodeJS.ProcessEnv = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "GitHub Sandbox",
  GIT_AUTHOR_EMAIL: "sandbox@github-sandbox.invalid",
  GIT_COMMITTER_NAME: "GitHub",
  GIT_COMMITTER_EMAIL: "noreply@github.com",
  GIT_TERMINAL_PROMPT: "0",
};

export function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...GIT_ENV, ...extra };
}

/** Runs git against a bare repository; never throws on a non-zero exit (callers decide). */
export function runGit(gitDir: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      ["--git-dir", gitDir, ...args],
      { env: gitEnv(options.env), maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(new Error(`git could not run: ${error.message}`, { cause: error }));
        else resolve({ stdout, stderr, code: error ? Number(error.code) : 0 });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Same as runGit but blocking, for the synchronous admin reads (a few milliseconds). */
export function runGitSync(gitDir: string, args: string[]): GitResult {
  try {
    const stdout = execFileSync("git", ["--git-dir", gitDir, ...args], {
      env: gitEnv(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { stdout, stderr: "", code: 0 };
  } catch (error) {
    const failure = error as { status?: number; stdout?: string; stderr?: string };
    return { stdout: failure.stdout ?? "", stderr: failure.stderr ?? "", code: failure.status ?? 1 };
  }
}

export async function gitOrThrow(gitDir: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const result = await runGit(gitDir, args, options);
  if (result.code !== 0) throw new Error(`git ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}
