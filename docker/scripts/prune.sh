#!/bin/sh
# Step 1 of every app image: prune the monorepo to one app and the workspace packages it uses.
# Usage: prune.sh <package name> <out dir>. Writes <out>/json (manifests + lockfile: the install
# layer) and <out>/full (sources). The same script runs in the Dockerfiles and in the recipe check.
set -eu
app="$1"
out="$2"
# TURBO may name a turbo binary already at hand; otherwise fetch the pinned version.
turbo="${TURBO:-pnpm dlx turbo@2.11.11}"
TURBO_TELEMETRY_DISABLED=1 $turbo prune "$app" --docker --out-dir "$out"
