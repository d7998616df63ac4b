#!/usr/bin/env bash
# Runs a command with the project's Node.js first on PATH (scripts/project-node.sh), and node-gyp
# pointed at that Node's own headers (no download: only the npm registry is reachable).
#   bash scripts/with-node.sh vitest run ...
set -euo pipefail
dir="$(bash "$(dirname "${BASH_SOURCE[0]}")/project-node.sh")"
export PATH="$dir/bin:$PATH"
export npm_config_nodedir="$dir"
exec "$@"
