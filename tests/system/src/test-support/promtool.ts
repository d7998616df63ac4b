import { spawn } from "node:child_process";
import { requireBinary } from "@agent-runner/test-kit";

export interface PromtoolResult {
  readonly exitCode: number | null;
  /** stdout and stderr together: promtool prints lint problems on either depending on the version. */
  readonly output: string;
}

/** Runs `promtool check metrics` on an exposition body fed through stdin. */
export function checkMetrics(body: string): Promise<PromtoolResult> {
  return promtool(["check", "metrics"], body);
}

/** Runs `promtool check config` on a Prometheus config file (its rule files included). */
export function checkConfig(file: string): Promise<PromtoolResult> {
  return promtool(["check", "config", file], "");
}

function promtool(args: readonly string[], stdin: string): Promise<PromtoolResult> {
  const binary = requireBinary("/usr/bin/promtool", "prometheus");
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (exitCode) => resolve({ exitCode, output }));
    child.stdin.end(stdin);
  });
}
