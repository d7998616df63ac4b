#!/usr/bin/env bash
# Builds the Dockerfile's images with the project's podman (setup-engine.sh first), offline: the local
# base images stand in for node:24-bookworm and node:24-bookworm-slim through the Dockerfile's
# BUILD_IMAGE and RUNTIME_IMAGE build arguments. Tags are the ones docker-compose.yml runs by default:
# localhost/agent-runner-{poller,worker,sandbox}:local.
#
#   bash scripts/containers/build-images.sh                  # poller, worker and sandbox
#   bash scripts/containers/build-images.sh worker           # some of them
#
# Layers are cached in podman's store (global to the machine): nodegit compiles only when a manifest
# or the lockfile changes, so a source edit rebuilds in minutes. Prints each build's time and each
# image's size. Build logs: $AR_ENGINE_DIR/build-<target>.log.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=engine-env.sh
source "$HERE/engine-env.sh"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(poller worker sandbox)

for target in "${targets[@]}"; do
  case "$target" in poller | worker | sandbox) ;; *) echo "build-images: unknown target $target" >&2; exit 2 ;; esac
  tag="localhost/agent-runner-$target:local"
  log="$AR_ENGINE_DIR/build-$target.log"
  started=$(date +%s)
  # --format docker: OCI images drop HEALTHCHECK; the Docker format keeps it.
  if ! podman build --layers --format docker --target "$target" \
      --build-arg "BUILD_IMAGE=$AR_NODE_BUILD_IMAGE" --build-arg "RUNTIME_IMAGE=$AR_NODE_SLIM_IMAGE" \
      -t "$tag" -f "$ROOT/Dockerfile" "$ROOT" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "build-images: building $target failed; the whole log is $log" >&2
    exit 1
  fi
  seconds=$(( $(date +%s) - started ))
  size="$(podman image inspect --format '{{.Size}}' "$tag")"
  echo "build-images: $tag built in ${seconds}s, $(( size / 1000000 )) MB"
done
