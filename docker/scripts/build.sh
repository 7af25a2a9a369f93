#!/bin/sh
# Step 2 of every app image, run inside the pruned workspace after `pnpm install --frozen-lockfile`:
# build the app and its workspace dependencies, then deploy it with production dependencies only.
# Usage: build.sh <package name> <deploy dir>. The deploy dir holds package.json, dist/ and a
# node_modules/ with nothing but what the app needs at run time (workspace packages ship only dist/).
set -eu
app="$1"
dest="$2"
TURBO_TELEMETRY_DISABLED=1 pnpm exec turbo run build --filter="${app}..." --output-logs=errors-only
pnpm --filter="$app" deploy --prod "$dest"
