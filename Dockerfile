# syntax=docker/dockerfile:1
#
# One build, three images:
#   docker build --target poller  -t agent-runner/poller:local  .
#   docker build --target worker  -t agent-runner/worker:local  .
#   docker build --target sandbox -t agent-runner/sandbox:local .
# (docker compose builds them for you: see docker-compose.yml.)
#
# No secret is ever part of an image: GITHUB_TOKEN, BULL_BOARD_PASSWORD and friends come from the
# container's environment at run time (env_file: .env in docker-compose.yml). Never add them as
# ARG or ENV here: build args and ENV values are readable in `docker history`.

ARG BUILD_IMAGE=node:24-bookworm
ARG RUNTIME_IMAGE=node:24-bookworm-slim
ARG PNPM_VERSION=10.34.9

# ---------------------------------------------------------------------------------------------
# toolchain: what compiling needs, and nothing of this repository yet.
# (Stages and their inputs: manifests <- the whole context; nodegit <- nodegit's pins only;
# dependencies <- manifests and lockfile; build <- the sources. A source edit rebuilds only build.)
# ---------------------------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS toolchain
ARG PNPM_VERSION

# nodegit's build prerequisites. Keep this list a subset of the apt-get line in .ci/run, so CI
# builds nodegit with exactly what the image has (deploy/dockerfile.test.ts checks it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libkrb5-dev libssl-dev python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

# corepack's signature check fails for this pnpm version: install it with npm instead.
RUN npm install -g pnpm@${PNPM_VERSION}

# BUILD_ONLY: nodegit compiles from source rather than downloading a prebuilt binary, so the
# addon links against this image's libkrb5/libssl. JOBS: node-gyp compiles on every core.
# CI=true: pnpm never prompts.
ENV BUILD_ONLY=true \
    JOBS=max \
    CI=true

# ---------------------------------------------------------------------------------------------
# manifests: what the dependency layers below are built from, and nothing else
# (scripts/containers/dependency-manifests.mjs): the lockfile, the workspace file and every
# package.json cut down to the fields that decide what is installed; and a one-dependency project
# that compiles nodegit as the lockfile pins it. This stage reruns on any change, in a second.
# ---------------------------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS manifests
COPY . /context
RUN node /context/scripts/containers/dependency-manifests.mjs /context /manifests /nodegit

# ---------------------------------------------------------------------------------------------
# nodegit: the native addon, compiled once (many minutes on two cores). The COPY --from below is
# cached by content: this layer is rebuilt only when nodegit or one of its direct dependencies
# changes version in the lockfile, or the toolchain does; never for a source or other dependency edit.
# The pnpm store is a build cache shared by the stages (nothing of it lands in a layer).
# ---------------------------------------------------------------------------------------------
FROM toolchain AS nodegit
WORKDIR /nodegit
COPY --from=manifests /nodegit/ ./
RUN --mount=type=cache,id=agent-runner-pnpm-store,target=/pnpm-store \
    pnpm install --no-frozen-lockfile --store-dir /pnpm-store \
 && node -e "require('./node_modules/nodegit'); console.log('nodegit loads')" \
 && mkdir -p /addons && cp node_modules/nodegit/build/Release/nodegit.node /addons/nodegit.node

# ---------------------------------------------------------------------------------------------
# dependencies: every workspace dependency, installed from the cut-down manifests alone, without
# install scripts (the one native addon comes from the nodegit stage). Rebuilt only when a
# manifest's dependencies or the lockfile change, and then in a few minutes.
# ---------------------------------------------------------------------------------------------
FROM toolchain AS dependencies
WORKDIR /src
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,id=agent-runner-pnpm-store,target=/pnpm-store \
    pnpm install --frozen-lockfile --ignore-scripts --store-dir /pnpm-store

# ---------------------------------------------------------------------------------------------
# build: compiles TypeScript, then cuts one production-only node_modules tree per service with
# `pnpm deploy`, from the store the dependencies stage filled (no install scripts).
# ---------------------------------------------------------------------------------------------
FROM dependencies AS build
# The real manifests and the sources over the cut-down ones. The workspace links made above point
# into these directories; .dockerignore keeps node_modules out, so the installed tree stays.
COPY . .
RUN pnpm build

# pnpm 10 deploys from a shared workspace lockfile only with --legacy (no injected workspace deps).
# --prod for the sandbox too: a legacy deploy also carries the workspace root's devDependencies
# (eslint, vitest, the services the deploy tests import), and the sandbox's CLI runs on Node's
# own modules (its OpenAPI validation, loaded lazily, is for tests only).
RUN --mount=type=cache,id=agent-runner-pnpm-store,target=/pnpm-store \
    pnpm --filter @agent-runner/worker deploy --legacy --prod --prefer-offline --ignore-scripts --store-dir /pnpm-store /out/worker \
 && pnpm --filter @agent-runner/poller deploy --legacy --prod --prefer-offline --ignore-scripts --store-dir /pnpm-store /out/poller \
 && pnpm --filter @agent-runner/github-sandbox deploy --legacy --prod --prefer-offline --ignore-scripts --store-dir /pnpm-store /out/sandbox

# The worker's nodegit: the addon from the nodegit stage, without the C sources and build
# intermediates (~100 MB) that only compiling needed.
COPY --from=nodegit /addons/nodegit.node /addons/nodegit.node
RUN nodegit="$(cd /out/worker/node_modules/@agent-runner/git \
      && node -p "require('path').dirname(require.resolve('nodegit/package.json'))")" \
 && rm -rf "$nodegit/build" && mkdir -p "$nodegit/build/Release" \
 && cp /addons/nodegit.node "$nodegit/build/Release/nodegit.node" \
 && rm -rf "$nodegit/vendor" "$nodegit/src" "$nodegit/include" "$nodegit/binding.gyp"

# Fail the build here, not at run time, if the native addon did not build or load.
# The poller does not depend on the git adapter: its tree must not hold nodegit at all.
RUN cd /out/worker/node_modules/@agent-runner/git \
 && node -e "require('nodegit'); console.log('nodegit loads')" \
 && if find /out/poller/node_modules -name nodegit -print -quit | grep -q .; then echo "nodegit in the poller tree" >&2; exit 1; fi

# ---------------------------------------------------------------------------------------------
# runtime: what every service image shares. Only the shared libraries nodegit links against
# (ldd build/Release/nodegit.node: libkrb5, libgssapi_krb5 and their deps), CA roots for HTTPS
# to GitHub, and tini as PID 1 so SIGTERM reaches node and zombies are reaped.
# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates libkrb5-3 libgssapi-krb5-2 libssl3 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
ENTRYPOINT ["/usr/bin/tini", "--"]
# The node user (uid 1000) comes with the official image.
USER node

# ---------------------------------------------------------------------------------------------
# poller: one replica. Serves /healthz, /readyz, /metrics and /admin/queues on PORT (3000).
# ---------------------------------------------------------------------------------------------
FROM runtime AS poller
# Application files stay owned by root: the service can read them, not rewrite them.
COPY --from=build --chown=root:root /out/poller /app
ENV PORT=3000
EXPOSE 3000
USER node
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/main.js"]

# ---------------------------------------------------------------------------------------------
# worker: scaled horizontally (docker compose up -d --scale worker=N). Clones into WORKSPACE_DIR.
# ---------------------------------------------------------------------------------------------
FROM runtime AS worker
USER root
# bubblewrap: the change command runs in a bwrap sandbox (AGENT_SANDBOX=bubblewrap, the default). bwrap needs
# user namespaces; a container whose seccomp/AppArmor profile refuses them fails the worker's start-up probe,
# which names the cause.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/*
# The workspace holds every task's tree and the mirrors: only the node user may enter it (the worker
# also tightens or refuses a looser or foreign WORKSPACE_DIR at start).
RUN install -d -m 0700 -o node -g node /work
COPY --from=build --chown=root:root /out/worker /app
ENV PORT=3001 \
    WORKSPACE_DIR=/work
EXPOSE 3001
USER node
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3001)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/main.js"]

# ---------------------------------------------------------------------------------------------
# sandbox: the local fake GitHub (packages/github-sandbox), for demos and smoke tests only.
# It keeps its repositories as bare git repos and serves them with git's own tools.
# ---------------------------------------------------------------------------------------------
FROM runtime AS sandbox
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build --chown=root:root /out/sandbox /app
EXPOSE 8080
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('net').connect(8080,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"]
CMD ["node", "dist/cli.js", "--seed", "--host", "0.0.0.0", "--port", "8080"]
