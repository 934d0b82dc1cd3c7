#!/usr/bin/env bash
# Runs Ever's whole test suite from a clean checkout: installs dependencies (apt), builds, runs
# unit, actor and integration tests with ctest. `.ci/run` calls exactly this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${EVER_BUILD_DIR:-$root/build}
"$root/scripts/install-deps.sh"
EVER_BUILD_DIR=$build "$root/scripts/build.sh"
cd "$build"
# Unit and actor tests are fast and independent: run them in parallel. Integration tests start
# real daemons and measure scaling in wall-clock time, so they run one at a time.
ctest --output-on-failure --timeout 300 -j "$(nproc)" -LE integration
ctest --output-on-failure --timeout 300 -L integration
