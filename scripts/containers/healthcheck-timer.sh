#!/usr/bin/env bash
# Runs the containers' HEALTHCHECKs, as systemd's timers would: podman schedules healthchecks through
# systemd, and there is none on this machine kind ("unable to get systemd connection to start
# healthchecks"), so without this loop every container stays "starting" and compose's
# `depends_on: condition: service_healthy` waits forever.
#
# Every second it runs `podman healthcheck run` for each running container that has a healthcheck
# and whose interval has passed (every second until it is first healthy, so start-up is quick, as
# Docker's start_interval does). setup-engine.sh starts it in the background; stop-engine.sh ends it.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=engine-env.sh
source "$HERE/engine-env.sh"

# A Go duration as podman prints it ("15s", "1m30s", "500ms") -> whole seconds (0 when empty).
seconds_of() {
  local rest="$1" total=0 amount unit
  while [[ "$rest" =~ ^([0-9.]+)(h|ms|m|s|us|µs|ns)(.*)$ ]]; do
    amount="${BASH_REMATCH[1]%%.*}" unit="${BASH_REMATCH[2]}" rest="${BASH_REMATCH[3]}"
    case "$unit" in h) total=$(( total + amount * 3600 )) ;; m) total=$(( total + amount * 60 )) ;; s) total=$(( total + amount )) ;; esac
  done
  echo "$total"
}

declare -A last_run=()
while true; do
  now=$(date +%s)
  # id, health status (empty without a healthcheck), interval.
  while read -r id status interval; do
    [ -n "$id" ] && [ -n "$status" ] || continue
    seconds="$(seconds_of "${interval:-}")"
    [ "$seconds" -gt 0 ] || seconds=30
    [ "$status" = healthy ] || seconds=1
    if [ $(( now - ${last_run[$id]:-0} )) -ge "$seconds" ]; then
      last_run[$id]=$now
      podman healthcheck run "$id" >/dev/null 2>&1 &
    fi
  done < <(podman ps -q 2>/dev/null \
    | xargs -r podman inspect --format '{{.Id}} {{if .State.Health}}{{.State.Health.Status}}{{end}} {{if .Config.Healthcheck}}{{.Config.Healthcheck.Interval}}{{end}}' 2>/dev/null)
  wait
  sleep 1
done
