import { rm } from "node:fs/promises";
import path from "node:path";
import { NodegitWorkspaceFactory } from "@agent-runner/git";
import { git } from "./git-cli.js";

/** A clone URL with the token as Basic-auth password, for the git CLI only (never logged). */
export function authedUrl(cloneUrl: string, token: string): string {
  const url = new URL(cloneUrl);
  url.username = "x-access-token";
  url.password = token;
  return url.toString();
}

/** Seconds for `git clone` (with checkout) of the default branch into a fresh directory, removed after. */
async function timeGitClone(cloneUrl: string, token: string, dir: string): Promise<number> {
  try {
    return (await git(["clone", "--quiet", "--branch", "main", authedUrl(cloneUrl, token), dir])).seconds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Seconds for the runner's own fresh clone (nodegit, no mirror cache), as the reference runner clones every task. */
async function timeNodegitClone(cloneUrl: string, token: string, dir: string): Promise<number> {
  const factory = new NodegitWorkspaceFactory({ token });
  const started = performance.now();
  const workspace = await factory.checkout({ cloneUrl, defaultBranch: "main", dir });
  const seconds = (performance.now() - started) / 1000;
  await workspace.dispose();
  await rm(dir, { recursive: true, force: true });
  return seconds;
}

/** Alternates the two clients `rounds` times after one warm-up clone (so neither pays for a cold page cache). */
export async function compareClones(cloneUrl: string, token: string, workDir: string, rounds: number): Promise<{ git: number[]; nodegit: number[] }> {
  await timeGitClone(cloneUrl, token, path.join(workDir, "warm-up"));
  const result = { git: [] as number[], nodegit: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    result.nodegit.push(await timeNodegitClone(cloneUrl, token, path.join(workDir, `nodegit-${i}`)));
    result.git.push(await timeGitClone(cloneUrl, token, path.join(workDir, `git-${i}`)));
  }
  return result;
}
