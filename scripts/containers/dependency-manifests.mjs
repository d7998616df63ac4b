// Writes, out of a source tree, what the Dockerfile's dependency layers are built from:
//  - <output dir>: what `pnpm install` reads (the lockfile, the workspace file, .npmrc and every
//    package.json cut down to the fields that decide what gets installed);
//  - <nodegit dir>: a one-dependency project that compiles nodegit (a native addon: many minutes)
//    exactly as the lockfile pins it and its direct dependencies (nan's headers, node-gyp).
//
//   node scripts/containers/dependency-manifests.mjs <source dir> <output dir> <nodegit dir>
//
// An image build caches a `COPY --from` by content: an edit to a script, an entry point or the engines
// field leaves both outputs as they were, and adding any other dependency leaves the nodegit one as it
// was, so nodegit compiles again only when its own version or its dependencies' change.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** package.json fields that change what pnpm installs or builds; everything else is dropped. */
const INSTALL_FIELDS = [
  "name",
  "version",
  "private",
  "packageManager",
  "dependencies",
  "devDependencies",
  "optionalDependencies",
  "peerDependencies",
  "peerDependenciesMeta",
  "dependenciesMeta",
  "bundleDependencies",
  "bundledDependencies",
  "pnpm",
  "os",
  "cpu",
  "libc",
];
const TOP_LEVEL_FILES = ["pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc"];
const SKIPPED_DIRS = new Set(["node_modules", ".git", "dist"]);

export function installManifest(manifest) {
  return Object.fromEntries(INSTALL_FIELDS.filter((field) => field in manifest).map((field) => [field, manifest[field]]));
}

function* packageJsonFiles(root, relative = "") {
  for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) yield* packageJsonFiles(root, child);
    else if (entry.isFile() && entry.name === "package.json") yield child;
  }
}

export function copyDependencyManifests(source, output) {
  mkdirSync(output, { recursive: true });
  for (const name of TOP_LEVEL_FILES) {
    if (existsSync(path.join(source, name))) copyFileSync(path.join(source, name), path.join(output, name));
  }
  const written = [];
  for (const file of packageJsonFiles(source)) {
    const manifest = JSON.parse(readFileSync(path.join(source, file), "utf8"));
    mkdirSync(path.dirname(path.join(output, file)), { recursive: true });
    writeFileSync(path.join(output, file), `${JSON.stringify(installManifest(manifest), null, 2)}\n`);
    written.push(file);
  }
  return written.sort();
}

/** nodegit's version and its direct dependencies' versions, from a pnpm (v9) lockfile's snapshots. */
export function nodegitFromLockfile(lockfile) {
  const lines = lockfile.split(/\r?\n/);
  const snapshots = lines.indexOf("snapshots:");
  const start = lines.findIndex((line, index) => index > snapshots && /^  '?nodegit@[^(:']+/.test(line));
  if (snapshots < 0 || start < 0) throw new Error("the lockfile has no nodegit snapshot");
  const version = /^  '?nodegit@([^(:']+)/.exec(lines[start])[1];
  const dependencies = {};
  let inDependencies = false;
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("    ")) break;
    if (/^    \S/.test(line)) inDependencies = line.trim() === "dependencies:";
    else if (inDependencies) {
      const [, name, pinned] = /^      '?([^':]+)'?: ([^(\s]+)/.exec(line) ?? [];
      if (name !== undefined) dependencies[name] = pinned;
    }
  }
  return { version, dependencies };
}

/** The project that compiles nodegit alone, with its direct dependencies pinned as the lockfile has them. */
export function nodegitAddonManifest(lockfile) {
  const { version, dependencies } = nodegitFromLockfile(lockfile);
  return {
    name: "agent-runner-nodegit-addon",
    private: true,
    dependencies: { nodegit: version },
    pnpm: { onlyBuiltDependencies: ["nodegit"], overrides: dependencies },
  };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const [source, output, nodegitDir] = process.argv.slice(2);
  if (source === undefined || output === undefined || nodegitDir === undefined) {
    console.error("usage: node dependency-manifests.mjs <source dir> <output dir> <nodegit dir>");
    process.exit(2);
  }
  console.log(copyDependencyManifests(source, output).join("\n"));
  const addon = nodegitAddonManifest(readFileSync(path.join(source, "pnpm-lock.yaml"), "utf8"));
  mkdirSync(nodegitDir, { recursive: true });
  writeFileSync(path.join(nodegitDir, "package.json"), `${JSON.stringify(addon, null, 2)}\n`);
  console.log(`nodegit ${addon.dependencies.nodegit}`);
}
