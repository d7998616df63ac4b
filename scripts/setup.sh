#!/usr/bin/env bash
# Makes a fresh clone runnable: system packages nodegit's build needs, pnpm,
# dependencies and the TypeScript build. Idempotent and quiet when all is there.
#   --quiet       say nothing unless something is installed or fails
#   --for-tests   also the tools the test suites drive: promtool and Prometheus,
#                 Chromium (Bull Board), docker-compose (deploy checks).
#                 `npm test` and `npm run test:chaos` pass it; the demo does not.
#   --with-test-tools  the same as --for-tests (CI's name for it)
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9
# node-gyp compiles nodegit with every core (a cold build is several minutes even so).
export JOBS="${JOBS:-max}"
# Build prerequisites of nodegit (compiled from source) plus the servers and
# tools the tests drive. Keep in sync with the Dockerfile's build stage.
# bubblewrap: the worker runs the change command in a bwrap sandbox (AGENT_SANDBOX).
APT_PACKAGES=(libkrb5-dev libssl-dev python3 make g++ git redis-server bubblewrap)
APT_TEST_PACKAGES=(prometheus chromium docker-compose)

QUIET=0
WANT_TEST_TOOLS=0
[ "${CI:-}" = true ] && WANT_TEST_TOOLS=1
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    --for-tests | --with-test-tools) WANT_TEST_TOOLS=1 ;;
    *) echo "setup: unknown option $arg (use --quiet, --for-tests)" >&2; exit 2 ;;
  esac
done
log() { [ "$QUIET" = 1 ] || echo "setup: $*"; }
# Installing takes minutes: say so even when asked to be quiet.
announce() { echo "setup: $*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ "$WANT_TEST_TOOLS" = 1 ]; then
  for pkg in "${APT_TEST_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: please install: ${missing[*]}" >&2; exit 1
  fi
  announce "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pnpm goes where the machine's npm installs global commands, so it is on the PATH of the shell
# that runs `pnpm test` too.
if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  announce "installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1
fi

# The project's own Node.js (.node-version, unpacked under .tools/) runs everything from here on:
# pnpm, nodegit's native build (against that Node's headers) and, through scripts/with-node.sh,
# the tests and services.
NODE_DIR="$(bash scripts/project-node.sh)"
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"

# nodegit compiles from source on the first install (several minutes).
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  announce "installing dependencies (the first nodegit build takes several minutes)"
  pnpm install --frozen-lockfile --reporter=silent
fi
# A tree installed under another Node (an older checkout's node_modules) holds a nodegit built for
# that Node's ABI: rebuild it for this one.
if ! (cd packages/git && node -e 'require("nodegit")' >/dev/null 2>&1); then
  announce "building nodegit for Node.js $(node --version) (several minutes)"
  pnpm rebuild nodegit --reporter=silent
fi
log "building"
pnpm run --silent build

# Tests and the demo need a Redis; on a machine where none answers on the
# default address, start a throwaway one (no persistence).
if [ -z "${REDIS_URL:-}" ] && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
