#!/usr/bin/env bash
# Configures and builds Ever into ${EVER_BUILD_DIR:-build}. Uses ccache when present.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${EVER_BUILD_DIR:-$root/build}
jobs=${EVER_JOBS:-$(nproc)}
# Let build dirs share ccache entries: the object files of -g builds otherwise hash the cwd.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=${EVER_BUILD_TYPE:-RelWithDebInfo} >/dev/null
# Bare arguments are target names: `build.sh everd unit_policy` builds just those.
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then set -- --target "$@"; fi
cmake --build "$build" -j "$jobs" "$@"
