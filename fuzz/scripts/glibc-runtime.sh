#!/usr/bin/env bash
# Jazzer.js 4.0.0 ships its libFuzzer addon prebuilt, linked against glibc 2.38 (__isoc23_strtol)
# and libstdc++ GLIBCXX_3.4.32: Debian 13's. Debian 12 (this project's machines) has glibc 2.36,
# so the addon does not load there. This unpacks Debian 13's libc6, libstdc++6 and libgcc-s1
# into fuzz/.runtime/glibc, through apt with a private state directory (nothing on the system
# changes), and `pnpm fuzz` then starts node under that loader, for fuzzing only.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.runtime/glibc
suite="${FUZZ_RUNTIME_SUITE:-trixie}"
if [ -x "$dest/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ]; then
  echo "fuzz runtime already in fuzz/$dest"
  exit 0
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "needs apt-get and dpkg-deb (a Debian machine); pnpm fuzz falls back to its built-in engine" >&2
  exit 1
fi
if [ "$(dpkg --print-architecture)" != amd64 ]; then
  echo "only amd64 is set up here" >&2
  exit 1
fi

# The Debian mirror this machine already uses (its main archive, not the security one).
uri="$( (grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null || true) | awk '{print $2}' | grep -v security | head -n1)"
if [ -z "$uri" ]; then
  uri="$( (grep -h '^deb ' /etc/apt/sources.list 2>/dev/null || true) | grep -v security | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' | head -n1)"
fi
if [ -z "$uri" ]; then
  echo "no Debian mirror found in /etc/apt" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" > "$work/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
  -o APT::Sandbox::User=root -o Debug::NoLocking=1
)
echo "fetching libc6, libstdc++6, libgcc-s1 of Debian $suite"
apt-get "${apt_opts[@]}" -qq update
(cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download libc6 libstdc++6 libgcc-s1)
mkdir -p "$dest"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$dest"; done
"$dest/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --version | head -n1
echo "fuzz runtime ready in fuzz/$dest"
