import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type Koffi from "koffi";
import NodeGit from "nodegit";

/** libgit2 (git2/common.h, git2/config.h, libgit2 1.9). */
const GIT_OPT_GET_SEARCH_PATH = 4;
const GIT_OPT_SET_SEARCH_PATH = 5;
const CONFIG_LEVELS = { programdata: 1, system: 2, xdg: 3, global: 4 } as const;
export type ConfigLevel = keyof typeof CONFIG_LEVELS;

/**
 * Where libgit2 looks for the system, XDG, global and ProgramData config
 * files. Nothing can ever exist below /dev/null (a character device), so no
 * one, not even a process of the worker's own user, can put a config there;
 * an empty directory the worker owns would still be writable by a change
 * command running unsandboxed as that user.
 */
const NO_CONFIG_DIR = "/dev/null/agent-runner-reads-no-git-config";

type OptsFunction = (...args: unknown[]) => number;

/**
 * Makes libgit2 read no system, XDG or global configuration: only the
 * repository's own `.git/config`. A change command can write the worker's
 * ~/.gitconfig (url.*.insteadOf, http.proxy, include.path...) when it runs
 * unsandboxed; libgit2 would read it on every operation, for every repository.
 *
 * nodegit's `Libgit2.opts` does not pass GIT_OPT_SET_SEARCH_PATH through, and
 * libgit2 reads $HOME and $XDG_CONFIG_HOME only once, when nodegit is loaded.
 * So this calls libgit2's own `git_libgit2_opts` in the nodegit binary that is
 * already loaded, through koffi, and reads the result back through nodegit to
 * prove it reached the same libgit2. Process-wide and idempotent; throws when
 * it cannot be applied, because running without it is not safe.
 */
export function isolateGitConfig(): void {
  for (const level of Object.keys(CONFIG_LEVELS) as ConfigLevel[]) setConfigSearchPath(level, NO_CONFIG_DIR);
}

/** Sets one level's search path; `null` makes libgit2 guess it again from the environment (tests use that). */
export function setConfigSearchPath(level: ConfigLevel, dir: string | null): void {
  const code = libgit2Opts()(GIT_OPT_SET_SEARCH_PATH, "int", CONFIG_LEVELS[level], "str", dir);
  if (code !== 0) throw new Error(`libgit2 refused to set the ${level} config search path (error ${code})`);
  if (dir !== null && configSearchPath(level) !== dir) {
    throw new Error(`the ${level} config search path did not change: koffi reached another libgit2 than nodegit's`);
  }
}

export function configSearchPath(level: ConfigLevel): string {
  // The typings know only the one-argument form; GET_SEARCH_PATH takes a level and returns a string.
  const libgit2 = NodeGit.Libgit2 as unknown as { opts(option: number, level: number): unknown };
  return String(libgit2.opts(GIT_OPT_GET_SEARCH_PATH, CONFIG_LEVELS[level]));
}

function libgit2Opts(): OptsFunction {
  // The binary nodegit itself loads (lib/nodegit.js: Release, else Debug); dlopen hands back the loaded copy.
  const require = createRequire(import.meta.url);
  // Loaded here, not at import: only a process that builds a git factory maps koffi's addon.
  const koffi = require("koffi") as typeof Koffi;
  const root = path.dirname(require.resolve("nodegit/package.json"));
  const binary = ["Release", "Debug"].map((build) => path.join(root, "build", build, "nodegit.node")).find(existsSync);
  if (binary === undefined) throw new Error(`nodegit's native binary not found under ${root}/build`);
  return koffi.load(binary).func("int git_libgit2_opts(int option, ...)") as OptsFunction;
}
