// Copies what `pnpm install` reads out of a source tree: the lockfile, the workspace file, .npmrc and
// every package.json, each cut down to the fields that decide what gets installed.
//
//   node scripts/containers/dependency-manifests.mjs <source dir> <output dir>
//
// The Dockerfile installs dependencies (and compiles nodegit, many minutes) from this output alone.
// Because an image build caches a `COPY --from` by content, a change to a script, an entry point or
// the engines field leaves the output, and with it the installed layer, as it was.
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

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const [source, output] = process.argv.slice(2);
  if (source === undefined || output === undefined) {
    console.error("usage: node dependency-manifests.mjs <source dir> <output dir>");
    process.exit(2);
  }
  console.log(copyDependencyManifests(source, output).join("\n"));
}
