# syntax=docker/dockerfile:1.7
# Switchyard dispatcher. Build from the repository root:
#   docker build -f docker/dispatcher.Dockerfile -t switchyard/dispatcher .
# Stages: prune the monorepo to this app (turbo prune --docker), install from the pruned
# lockfile (a layer that only changes with the manifests), build, deploy production
# dependencies only, and run as a non-root user. docker/scripts holds the steps; the recipe
# check (docker/test) runs the very same scripts without a Docker engine.
# The Node of .nvmrc, development and CI (docker/test checks they agree).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
RUN npm install -g pnpm@12.21.0 && npm cache clean --force
WORKDIR /repo

FROM base AS pruner
COPY . .
RUN sh docker/scripts/prune.sh @switchyard/dispatcher /pruned

FROM base AS builder
COPY --from=pruner /pruned/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm config set store-dir /pnpm/store && pnpm install --frozen-lockfile
COPY --from=pruner /pruned/full/ ./
COPY docker/scripts/ docker/scripts/
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store sh docker/scripts/build.sh @switchyard/dispatcher /deploy

FROM ${NODE_IMAGE} AS runner
# A bounded V8 heap: left alone, V8 grows it while memory is plentiful (see BENCHMARKS.md, Memory).
# The admin listener (metrics, queue dashboard, detailed readiness) stays on the container's
# loopback unless ADMIN_HOST opens it (compose sets 0.0.0.0 and publishes it on the host's loopback).
# Two malloc arenas and a small young generation: most of a process's resident memory at rest is
# neither (see BENCHMARKS.md, Memory; apps/dispatcher/test/engine/memory.e2e-spec.ts runs with these).
ENV NODE_ENV=production NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=2" MALLOC_ARENA_MAX=2 HOST=0.0.0.0 PORT=3001 ADMIN_PORT=9001
WORKDIR /app
COPY --from=builder --chown=node:node /deploy/ ./
USER node
EXPOSE 3001 9001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/api/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
