# shellcheck shell=bash
# Where the project's container engine lives, for the scripts beside this file to source.
# One engine per machine, shared by every clone and by CI (podman's image store, and with it the
# layer cache, is global: /var/lib/containers). Nothing here is specific to a work tree.

# Configuration, the Docker-API socket, its pid file and log, and the cached downloads.
export AR_ENGINE_DIR="${AR_ENGINE_DIR:-/var/lib/agent-runner-engine}"
# podman reads this instead of /etc/containers/containers.conf (see setup-engine.sh for why).
export CONTAINERS_CONF="$AR_ENGINE_DIR/containers.conf"
# docker-compose and testcontainers talk to podman through this socket, as to a Docker engine.
export AR_ENGINE_SOCKET="$AR_ENGINE_DIR/podman.sock"
export DOCKER_HOST="unix://$AR_ENGINE_SOCKET"
# testcontainers' reaper (Ryuk) is an image from a registry this machine cannot reach: the tests
# stop their own containers instead.
export TESTCONTAINERS_RYUK_DISABLED=true

# The local base images that stand in for the public ones (`node:24-bookworm`, `redis:7`, ...).
# The recipe revision is part of the tag: bump it when a recipe changes, and images are rebuilt.
export AR_NODE_VERSION="${AR_NODE_VERSION:-24.22.3}"
export AR_NPM_VERSION="${AR_NPM_VERSION:-11.21.2}"
export AR_BASE_REVISION=1
export AR_DEBIAN_IMAGE="localhost/agent-runner-base/debian:bookworm-minbase-r$AR_BASE_REVISION"
export AR_NODE_SLIM_IMAGE="localhost/agent-runner-base/node:$AR_NODE_VERSION-bookworm-slim-r$AR_BASE_REVISION"
export AR_NODE_BUILD_IMAGE="localhost/agent-runner-base/node:$AR_NODE_VERSION-bookworm-build-r$AR_BASE_REVISION"
export AR_REDIS_IMAGE="localhost/agent-runner-base/redis:7-bookworm-r$AR_BASE_REVISION"
export AR_PROMETHEUS_IMAGE="localhost/agent-runner-base/prometheus:bookworm-r$AR_BASE_REVISION"
# testcontainers believes it runs inside a container on this machine kind (/.dockerenv exists) and
# would reach mapped ports through podman's bridge gateway: loopback is where they are published.
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
# The Redis image the tests' testcontainers path runs (packages/test-kit/src/redis-for-tests.ts).
export REDIS_TEST_IMAGE="$AR_REDIS_IMAGE"
