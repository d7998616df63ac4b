import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface GitOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

// No user config, no prompts, a fixed identity: the CLI behaves the same on every machine.
const ENV = {
  PATH: process.env["PATH"] ?? "/usr/bin:/bin",
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Author",
  GIT_COMMITTER_EMAIL: "author@example.com",
};

/** Runs the git CLI asynchronously (a sync call would block the in-process sandbox). */
export function git(cwd: string, ...args: string[]): Promise<GitOutcome> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, env: ENV, encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export async function gitOk(cwd: string, ...args: string[]): Promise<string> {
  const outcome = await git(cwd, ...args);
  if (outcome.code !== 0) throw new Error(`git ${args.join(" ")} failed: ${outcome.stderr}`);
  return outcome.stdout.trim();
}

/** clone_url with `x-access-token:<token>` credentials, as GitHub Apps and Actions write it. */
export function withToken(cloneUrl: string, token: string, username = "x-access-token"): string {
  const url = new URL(cloneUrl);
  url.username = username;
  url.password = token;
  return url.toString();
}

export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "sandbox-test-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Commits one file on a new branch of a clone and returns the new head sha. */
export async function commitFile(workTree: string, branch: string, file: string, content: string): Promise<string> {
  await gitOk(workTree, "checkout", "-B", branch);
  await writeFile(join(workTree, file), content);
  await gitOk(workTree, "add", file);
  await gitOk(workTree, "commit", "-m", `Change ${file}`);
  return gitOk(workTree, "rev-parse", "HEAD");
}
