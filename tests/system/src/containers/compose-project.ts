import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { repoPath } from "@agent-runner/test-kit";

const run = promisify(execFile);

export interface ComposeProjectOptions {
  /** Written over .env.example's values into the project's .env (env_file of poller and worker). */
  readonly env: Record<string, string>;
  /** A compose file merged over docker-compose.yml and deploy/compose.sandbox.yml (test-only settings). */
  readonly override: Record<string, unknown>;
}

/**
 * The repository's docker-compose.yml and sandbox override, run as a compose project of its own in a
 * scratch directory: a generated .env (never the developer's), copies of the files compose mounts,
 * and a unique project name, so nothing it creates collides with anything else on the engine.
 */
export class ComposeProject {
  readonly name = `ar-e2e-${randomBytes(4).toString("hex")}`;
  readonly dir: string;

  constructor(options: ComposeProjectOptions) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), "ar-compose-"));
    cpSync(repoPath("docker-compose.yml"), path.join(this.dir, "docker-compose.yml"));
    mkdirSync(path.join(this.dir, "deploy"));
    cpSync(repoPath("deploy/compose.sandbox.yml"), path.join(this.dir, "deploy/compose.sandbox.yml"));
    cpSync(repoPath("deploy/prometheus"), path.join(this.dir, "deploy/prometheus"), { recursive: true });
    writeFileSync(path.join(this.dir, ".env"), envFile(readFileSync(repoPath(".env.example"), "utf8"), options.env));
    writeFileSync(path.join(this.dir, "compose.test.yml"), stringify(options.override));
  }

  /** Runs docker-compose with the project's files; rejects with its output when it fails. */
  async compose(...args: string[]): Promise<string> {
    const files = ["-f", "docker-compose.yml", "-f", "deploy/compose.sandbox.yml", "-f", "compose.test.yml"];
    try {
      const { stdout, stderr } = await run("docker-compose", ["-p", this.name, ...files, "--profile", "sandbox", ...args], {
        cwd: this.dir,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 600_000,
      });
      return stdout + stderr;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`docker-compose ${args.join(" ")} failed: ${failed.message}\n${failed.stdout ?? ""}${failed.stderr ?? ""}`);
    }
  }

  /** `down -v`: removes the project's containers, network and volumes, then the scratch directory. */
  async destroy(): Promise<void> {
    try {
      await this.compose("down", "-v", "--remove-orphans", "--timeout", "5");
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** .env.example with `values` set: a variable's line (commented out or not) is replaced, or appended. */
export function envFile(example: string, values: Record<string, string>): string {
  let text = example;
  const appended: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^#?\\s*${name}=.*$`, "m");
    if (line.test(text)) text = text.replace(line, () => `${name}=${value}`);
    else appended.push(`${name}=${value}`);
  }
  return `${text.trimEnd()}\n${appended.join("\n")}\n`;
}
