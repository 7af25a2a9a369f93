# syntax=docker/dockerfile:1.7
# Switchyard gateway. Build from the repository root:
#   docker build -f docker/gateway.Dockerfile -t switchyard/gateway .
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
RUN sh docker/scripts/prune.sh @switchyard/gateway /pruned

FROM base AS builder
COPY --from=pruner /pruned/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm config set store-dir /pnpm/store && pnpm install --frozen-lockfile
COPY --from=pruner /pruned/full/ ./
COPY docker/scripts/ docker/scripts/
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store sh docker/scripts/build.sh @switchyard/gateway /deploy

FROM ${NODE_IMAGE} AS runner
# A bounded V8 heap: left alone, V8 grows it while memory is plentiful (see BENCHMARKS.md, Memory).
# The admin listener (metrics, queue dashboard, detailed readiness) stays on the container's
# loopback unless ADMIN_HOST opens it (compose sets 0.0.0.0 and publishes it on the host's loopback).
# Two malloc arenas: glibc's default (8 per core) mostly holds freed memory (see BENCHMARKS.md, Memory).
ENV NODE_ENV=production NODE_OPTIONS=--max-old-space-size=160 MALLOC_ARENA_MAX=2 HOST=0.0.0.0 PORT=3000 ADMIN_PORT=9000
WORKDIR /app
COPY --from=builder --chown=node:node /deploy/ ./
USER node
EXPOSE 3000 9000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/api/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
