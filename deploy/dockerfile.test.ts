import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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
/** The build stage with the stages it builds on (toolchain, dependencies). */
const buildChain = () => effectiveInstructions(dockerfile, "build");

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

  it("compiles on node:24-bookworm and runs every service on node:24-bookworm-slim (Node 24 LTS)", () => {
    expect(baseImage(dockerfile, "build")).toBe("node:24-bookworm");
    expect(baseImage(dockerfile, "manifests")).toBe("node:24-bookworm");
    for (const target of RUNTIME_TARGETS) expect(baseImage(dockerfile, target), target).toBe("node:24-bookworm-slim");
  });

  it("installs nodegit's build prerequisites in the build stage, every one of which .ci/run installs too", () => {
    const buildPackages = aptInstalledPackages(runText(buildChain()));
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
    const build = runText(buildChain());
    expect(build).toContain("npm install -g pnpm@${PNPM_VERSION}");
    expect(build).not.toContain("corepack");
    expect(build).toMatch(/pnpm install --frozen-lockfile/);
    expect(build).toMatch(/pnpm build/);
  });

  it("cuts production-only dependency trees for poller, worker and sandbox with pnpm deploy", () => {
    const build = runText(stage("build")!.instructions);
    for (const service of ["poller", "worker"]) {
      expect(build).toMatch(new RegExp(`pnpm --filter @agent-runner/${service} deploy --legacy --prod .*/out/${service}\\b`));
      const copy = all(stage(service)!.instructions, "COPY").map((i) => i.args);
      expect(copy.some((args) => args.includes("--from=build") && args.includes(`/out/${service}`)), service).toBe(true);
    }
    // Without --prod a legacy deploy also carries the root's devDependencies (the services, eslint, vitest).
    expect(build).toMatch(/pnpm --filter @agent-runner\/github-sandbox deploy --legacy --prod .*\/out\/sandbox\b/);
  });

  it("checks in the build stage that the nodegit addon loads", () => {
    expect(runText(stage("build")!.instructions)).toMatch(/require\('nodegit'\)/);
  });

  it("installs dependencies from the cut-down manifests alone, before any source is copied", () => {
    expect(runText(stage("manifests")!.instructions)).toContain("node /context/scripts/containers/dependency-manifests.mjs /context /manifests /nodegit");
    const dependencies = stage("dependencies")!.instructions;
    expect(stage("dependencies")!.from).toBe("toolchain");
    expect(all(dependencies, "COPY").map((i) => i.args)).toEqual(["--from=manifests /manifests/ ./"]);
    expect(runText(dependencies)).toMatch(/pnpm install --frozen-lockfile --ignore-scripts/);
    // The sources arrive only in the build stage, on top of the installed tree.
    expect(stage("build")!.from).toBe("dependencies");
    expect(all(stage("build")!.instructions, "COPY").map((i) => i.args)).toContain(". .");
  });

  it("compiles nodegit once, in a stage that sees nothing but nodegit's pins, and every production tree reuses the addon", () => {
    const nodegit = stage("nodegit")!;
    expect(nodegit.from).toBe("toolchain");
    expect(all(nodegit.instructions, "COPY").map((i) => i.args)).toEqual(["--from=manifests /nodegit/ ./"]);
    const installs = (text: string) => [...text.matchAll(/pnpm (?:install|--filter \S+ deploy)[^&\n]*/g)].map((m) => m[0]);
    // The one place install scripts (nodegit's compile) run...
    expect(installs(runText(nodegit.instructions)).filter((command) => !command.includes("--ignore-scripts"))).toHaveLength(1);
    // ...and nowhere on the way to the images.
    const build = installs(runText(buildChain()));
    expect(build.length).toBeGreaterThanOrEqual(4);
    expect(build.filter((command) => !command.includes("--ignore-scripts"))).toEqual([]);
    expect(all(stage("build")!.instructions, "COPY").map((i) => i.args)).toContain("--from=nodegit /addons/nodegit.node /addons/nodegit.node");
  });

  describe("scripts/containers/dependency-manifests.mjs", () => {
    /** Runs the script on a tree of the given files; returns the output tree as { path: text }. */
    function manifestsOf(files: Record<string, string>): Record<string, string> {
      const dir = mkdtempSync(path.join(tmpdir(), "ar-manifests-"));
      try {
        for (const [file, text] of Object.entries(files)) {
          mkdirSync(path.dirname(path.join(dir, "src", file)), { recursive: true });
          writeFileSync(path.join(dir, "src", file), text);
        }
        execFileSync(process.execPath, [repoPath("scripts/containers/dependency-manifests.mjs"), ...["src", "out", "nodegit"].map((d) => path.join(dir, d))]);
        const out: Record<string, string> = {};
        for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
          const file = path.relative(dir, path.join(entry.parentPath, entry.name));
          if (entry.isFile() && !file.startsWith("src")) out[file] = readFileSync(path.join(dir, file), "utf8");
        }
        return out;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const lockfile = (nan = "2.22.0-gk.1", zod = "4.1.0") =>
      [
        "lockfileVersion: '9.0'",
        "packages:",
        "  nodegit@0.28.0-alpha.36:",
        "    resolution: {integrity: sha512-x}",
        "snapshots:",
        `  zod@${zod}: {}`,
        "  nodegit@0.28.0-alpha.36(bare-buffer@3.7.3)(encoding@0.1.14):",
        "    dependencies:",
        `      '@axosoft/nan': ${nan}`,
        "      node-gyp: 11.5.0",
        "      tar-fs: 3.1.3(bare-buffer@3.7.3)",
        "    transitivePeerDependencies:",
        "      - encoding",
        "",
      ].join("\n");
    const tree = (root: object, worker: object, lock = lockfile()) => ({
      "package.json": JSON.stringify(root),
      "pnpm-lock.yaml": lock,
      "pnpm-workspace.yaml": "packages:\n  - services/*\n",
      "services/worker/package.json": JSON.stringify(worker),
      "services/worker/src/main.ts": "export {};\n",
      "services/worker/node_modules/x/package.json": "{}",
    });
    const root = { name: "r", private: true, packageManager: "pnpm@10.34.9", scripts: { test: "vitest" }, engines: { node: ">=24" }, devDependencies: { vitest: "^3" } };
    const worker = { name: "w", version: "0.1.0", main: "dist/main.js", scripts: { start: "node ." }, dependencies: { nodegit: "0.28.0-alpha.36" } };

    it("keeps the lockfile, the workspace file and each manifest's dependency fields, and no source or node_modules", () => {
      const out = manifestsOf(tree(root, worker));
      expect(Object.keys(out).sort()).toEqual(["nodegit/package.json", "out/package.json", "out/pnpm-lock.yaml", "out/pnpm-workspace.yaml", "out/services/worker/package.json"]);
      expect(JSON.parse(out["out/services/worker/package.json"]!)).toEqual({ name: "w", version: "0.1.0", dependencies: { nodegit: "0.28.0-alpha.36" } });
      expect(JSON.parse(out["out/package.json"]!)).toEqual({ name: "r", private: true, packageManager: "pnpm@10.34.9", devDependencies: { vitest: "^3" } });
    });

    it("gives the same output when only scripts, entry points or engines change, and another when a dependency does", () => {
      const before = manifestsOf(tree(root, worker));
      const edited = manifestsOf(tree({ ...root, scripts: { test: "other" }, engines: { node: ">=26" } }, { ...worker, main: "dist/x.js", scripts: {} }));
      expect(edited).toEqual(before);
      const newDependency = manifestsOf(tree(root, { ...worker, dependencies: { ...worker.dependencies, zod: "^4" } }, lockfile(undefined, "4.2.0")));
      expect(newDependency).not.toEqual(before);
      // ...which leaves the nodegit project, and so nodegit's compiled layer, as it was.
      expect(newDependency["nodegit/package.json"]).toBe(before["nodegit/package.json"]);
    });

    it("makes a nodegit project pinned as the lockfile pins nodegit and its direct dependencies", () => {
      const before = manifestsOf(tree(root, worker));
      expect(JSON.parse(before["nodegit/package.json"]!)).toEqual({
        name: "agent-runner-nodegit-addon",
        private: true,
        dependencies: { nodegit: "0.28.0-alpha.36" },
        pnpm: { onlyBuiltDependencies: ["nodegit"], overrides: { "@axosoft/nan": "2.22.0-gk.1", "node-gyp": "11.5.0", "tar-fs": "3.1.3" } },
      });
      const newNan = manifestsOf(tree(root, worker, lockfile("2.23.0")));
      expect(newNan["nodegit/package.json"]).not.toBe(before["nodegit/package.json"]);
    });
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

  it("gives the worker a /work workspace owned by the node user that no one else may enter (0700)", () => {
    const instructions = effectiveInstructions(dockerfile, "worker");
    const env = all(instructions, "ENV").flatMap(declaredVariables);
    expect(env).toContainEqual(["WORKSPACE_DIR", "/work"]);
    const made = all(instructions, "RUN").filter((i) => /(^|\s)\/work(\s|$)/.test(i.args));
    expect(made.map((i) => i.args)).toEqual(["install -d -m 0700 -o node -g node /work"]);
    // Nothing later loosens it again or hands it to someone else.
    const after = instructions.slice(instructions.indexOf(made[0]!) + 1);
    expect(runText(after)).not.toMatch(/\b(chmod|chown)\b[^\n]*\/work\b/);
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
