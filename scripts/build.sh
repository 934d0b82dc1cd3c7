#!/usr/bin/env bash
# Configures and builds Ever into ${EVER_BUILD_DIR:-build}. Uses ccache when present.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${EVER_BUILD_DIR:-$root/build}
jobs=${EVER_JOBS:-$(nproc)}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=${EVER_BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$build" -j "$jobs" "$@"
