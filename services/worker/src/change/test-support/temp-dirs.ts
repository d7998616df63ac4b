import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Temporary directories for one test file; `removeAll` in afterEach. */
export class TempDirs {
  private readonly made: string[] = [];

  async make(prefix = "agent-runner-test-"): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Writes files given by repo-relative path. */
export async function writeTree(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** Every regular file below `dir` by repo-relative path (symlinks and directories left out). */
export async function readTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file).split(path.sep).join("/")] = await readFile(file, "utf8");
  }
  return out;
}

/** Joins lines with LF, so a diff's leading spaces stay visible in the test source. */
export function lines(...text: string[]): string {
  return text.join("\n");
}

/** Wraps text in a fenced block of the given language. */
export function fenced(text: string, info = "diff"): string {
  return ["```" + info, text, "```"].join("\n");
}
