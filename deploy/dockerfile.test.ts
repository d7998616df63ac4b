import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { aptInstalledPackages, baseImage, ciAptPackages, effectiveInstructions, parseDockerfile, type Instruction } from "./test-support/dockerfile.js";
import { repoPath } from "./test-support/tools.js";

const dockerfile = parseDockerfile(readFileSync(repoPath("Dockerfile"), "utf8"));
const RUNTIME_TARGETS = ["poller", "worker", "sandbox"] as const;
/** What nodegit needs to compile from source (a native addon; no prebuilt binary is used). */
const NODEGIT_BUILD_PREREQUISITES = ["libkrb5-dev", "libssl-dev", "python3", "make", "g++"];

const stage = (name: string) => dockerfile.stages.find((candidate) => candidate.name === name);
const all = (instructions: readonly Instruction[], keyword: string) => instructions.filter((i) => i.keyword === keyword);
const last = (instructions: readonly Instruction[], keyword: string) => all(instructions, keyword).at(-1);
const runText = (instructions: readonly Instruction[]) => all(instructions, "RUN").map((i) => i.args).join("\n");

/** `ENV A=1 B=2`, `ENV A 1` and `ARG A=1` -> names (and values). */
function declaredVariables(instruction: Instruction): [string, string | undefined][] {
  if (instruction.keyword === "ARG") {
    const [name = "", value] = instruction.args.split(/=(.*)/s, 2);
    return [[name.trim(), value]];
  }
  if (!instruction.args.includes("=")) {
    const [name = "", ...rest] = instruction.args.split(/\s+/);
    return [[name, rest.join(" ")]];
  }
  return [...instruction.args.matchAll(/([A-Za-z_][\w]*)=("(?:[^"\\]|\\.)*"|\S*)/g)].map((m) => [m[1]!, m[2]]);
}

describe("Dockerfile", () => {
  it("is a multi-stage build with a build stage and the targets poller, worker and sandbox", () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(stage("build")).toBeDefined();
    for (const target of RUNTIME_TARGETS) expect(stage(target), target).toBeDefined();
  });

  it("compiles on node:20-bookworm and runs every service on node:20-bookworm-slim", () => {
    expect(baseImage(dockerfile, "build")).toBe("node:20-bookworm");
    for (const target of RUNTIME_TARGETS) expect(baseImage(dockerfile, target), target).toBe("node:20-bookworm-slim");
  });

  it("installs nodegit's build prerequisites in the build stage, every one of which .ci/run installs too", () => {
    const buildPackages = aptInstalledPackages(runText(stage("build")!.instructions));
    expect(buildPackages).toEqual(expect.arrayContaining(NODEGIT_BUILD_PREREQUISITES));

    if (!existsSync(repoPath(".ci/run"))) expect.fail(".ci/run does not exist: CI must apt-get install the Dockerfile's build prerequisites");
    // .ci/run may install them itself or through a script it runs (scripts/setup.sh).
    const ciPackages = new Set(
      ciAptPackages(".ci/run", (relative) => (existsSync(repoPath(relative)) ? readFileSync(repoPath(relative), "utf8") : undefined)),
    );
    const missing = buildPackages.filter((name) => !ciPackages.has(name));
    expect(missing, "CI (.ci/run and the scripts it runs) does not apt-get install these build prerequisites").toEqual([]);
  });

  it("builds with the pnpm of package.json's packageManager from the frozen lockfile, not with corepack", () => {
    const packageManager = (JSON.parse(readFileSync(repoPath("package.json"), "utf8")) as { packageManager: string }).packageManager;
    const version = /^pnpm@(.+)$/.exec(packageManager)?.[1];
    expect(dockerfile.globalArgs.get("PNPM_VERSION")).toBe(version);
    const build = runText(stage("build")!.instructions);
    expect(build).toContain("npm install -g pnpm@${PNPM_VERSION}");
    expect(build).not.toContain("corepack");
    expect(build).toMatch(/pnpm install --frozen-lockfile/);
    expect(build).toMatch(/pnpm build/);
  });

  it("cuts production-only dependency trees for poller and worker with pnpm deploy", () => {
    const build = runText(stage("build")!.instructions);
    for (const service of ["poller", "worker"]) {
      expect(build).toMatch(new RegExp(`pnpm --filter @agent-runner/${service} deploy --legacy --prod .*/out/${service}\\b`));
      const copy = all(stage(service)!.instructions, "COPY").map((i) => i.args);
      expect(copy.some((args) => args.includes("--from=build") && args.includes(`/out/${service}`)), service).toBe(true);
    }
    expect(build).toMatch(/pnpm --filter @agent-runner\/github-sandbox deploy --legacy .*\/out\/sandbox\b/);
  });

  it("checks in the build stage that the nodegit addon loads", () => {
    expect(runText(stage("build")!.instructions)).toMatch(/require\('nodegit'\)/);
  });

  it.each(RUNTIME_TARGETS)("runs the %s image as a non-root user under tini, with a node HEALTHCHECK and a CMD", (target) => {
    const instructions = effectiveInstructions(dockerfile, target);
    const user = last(instructions, "USER")?.args.split(":")[0];
    expect(user, "USER").toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    expect(JSON.parse(last(instructions, "ENTRYPOINT")?.args ?? "null")).toEqual(["/usr/bin/tini", "--"]);
    expect(aptInstalledPackages(runText(instructions))).toContain("tini");
    const healthcheck = last(instructions, "HEALTHCHECK")?.args ?? "";
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf("CMD") + 3).trim()) as string[];
    expect(command.slice(0, 2)).toEqual(["node", "-e"]);
    expect(healthcheck).not.toMatch(/\b(curl|wget)\b/);
    expect(JSON.parse(last(instructions, "CMD")?.args ?? "null")?.[0]).toBe("node");
  });

  it("health-checks poller and worker on /healthz at their default ports", () => {
    for (const [target, port] of [["poller", 3000], ["worker", 3001]] as const) {
      const healthcheck = last(effectiveInstructions(dockerfile, target), "HEALTHCHECK")?.args ?? "";
      expect(healthcheck).toContain(`fetch('http://127.0.0.1:'+(process.env.PORT||${port})+'/healthz')`);
      expect(all(stage(target)!.instructions, "EXPOSE").map((i) => i.args)).toContain(String(port));
    }
  });

  it("gives the runtime images the shared libraries nodegit links against and CA certificates", () => {
    for (const target of ["poller", "worker"]) {
      const packages = aptInstalledPackages(runText(effectiveInstructions(dockerfile, target)));
      expect(packages, target).toEqual(expect.arrayContaining(["libkrb5-3", "libgssapi-krb5-2", "libssl3", "ca-certificates"]));
      // No compiler in what ships.
      expect(packages, target).not.toEqual(expect.arrayContaining(["g++"]));
    }
  });

  it("gives the worker a /work workspace owned by the node user", () => {
    const instructions = effectiveInstructions(dockerfile, "worker");
    const env = all(instructions, "ENV").flatMap(declaredVariables);
    expect(env).toContainEqual(["WORKSPACE_DIR", "/work"]);
    expect(runText(instructions)).toMatch(/mkdir -p \/work && chown node:node \/work/);
  });

  it("bakes no secret into any image: no ARG or ENV named like a token, password or secret, no .env copied", () => {
    for (const s of dockerfile.stages) {
      for (const instruction of s.instructions.filter((i) => i.keyword === "ARG" || i.keyword === "ENV")) {
        for (const [name] of declaredVariables(instruction)) {
          expect(name, `line ${instruction.line}: ${instruction.keyword} ${instruction.args}`).not.toMatch(/TOKEN|PASSWORD|SECRET|PRIVATE_KEY|API_KEY/i);
        }
      }
      for (const copy of all(s.instructions, "COPY").concat(all(s.instructions, "ADD"))) {
        expect(copy.args, `line ${copy.line}`).not.toMatch(/(^|[\s/])\.env(\s|$)/);
      }
    }
    for (const name of dockerfile.globalArgs.keys()) expect(name).not.toMatch(/TOKEN|PASSWORD|SECRET/i);
  });
});
