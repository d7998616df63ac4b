#!/usr/bin/env bash
# `pnpm test:containers`: the container suite from scratch to clean-up.
#   1. the project's dependencies and build (scripts/setup.sh), the engine and base images (setup-engine.sh);
#   2. the Dockerfile's images (build-images.sh: cached layers make a rebuild cheap);
#   3. the vitest project "containers" (tests/system/src/containers);
#   4. clean-up: the suite runs `docker-compose down -v` itself; anything a crashed run left behind is
#      removed here, and the engine's background processes are stopped if this run started them.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=scripts/containers
# shellcheck source=engine-env.sh
source "$HERE/engine-env.sh"

bash scripts/setup.sh --quiet --for-tests
engine_was_running=false
[ "$(curl -s --max-time 2 --unix-socket "$AR_ENGINE_SOCKET" http://d/_ping 2>/dev/null)" = OK ] && engine_was_running=true
bash "$HERE/setup-engine.sh" --quiet

leftovers() {
  # The suite's compose projects are named ar-e2e-*; testcontainers labels what it starts.
  { podman ps -a --filter label=com.docker.compose.project --format '{{.ID}} {{index .Labels "com.docker.compose.project"}}' | awk '$2 ~ /^ar-e2e-/ { print $1 }'
    podman ps -a --filter label=org.testcontainers=true --format '{{.ID}}'; } 2>/dev/null | sort -u
}
clean_up() {
  local ids
  ids="$(leftovers)"
  if [ -n "$ids" ]; then
    echo "test-containers: removing containers a run left behind: $(echo "$ids" | tr '\n' ' ')" >&2
    echo "$ids" | xargs -r podman rm -f -v >/dev/null 2>&1 || true
  fi
  podman network ls --format '{{.Name}}' 2>/dev/null | grep '^ar-e2e-' | xargs -r podman network rm -f >/dev/null 2>&1 || true
  podman volume ls --format '{{.Name}}' 2>/dev/null | grep '^ar-e2e-' | xargs -r podman volume rm -f >/dev/null 2>&1 || true
  [ "$engine_was_running" = true ] || bash "$HERE/stop-engine.sh"
}
trap clean_up EXIT

bash "$HERE/build-images.sh"

# The suite's own Redis comes from compose and testcontainers: a REDIS_URL given to the other suites
# (CI exports one) must not stand in for it.
env -u REDIS_URL bash scripts/with-node.sh pnpm exec vitest run --project containers --fileParallelism=false

# The suite removed what it started; a leftover here is a bug, not something to tidy silently.
if [ -n "$(leftovers)" ]; then
  echo "test-containers: containers left behind after the suite:" >&2
  leftovers >&2
  exit 1
fi
