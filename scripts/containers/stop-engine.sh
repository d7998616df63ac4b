#!/usr/bin/env bash
# Stops the Docker-API service and the healthcheck timer setup-engine.sh started (pid files), if they run. Containers and
# images stay: podman keeps them on disk, and the next setup-engine.sh serves them again.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=engine-env.sh
source "$HERE/engine-env.sh"

# Ends the process a pid file names, if it is still the one that was started (its command line says so).
stop() {
  local pid_file="$1" expected="$2" pid
  [ -f "$pid_file" ] || return 0
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$expected"; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pid_file"
}

stop "$AR_ENGINE_DIR/healthcheck-timer.pid" healthcheck-timer.sh
stop "$AR_ENGINE_DIR/podman.pid" "system service"
rm -f "$AR_ENGINE_SOCKET"
