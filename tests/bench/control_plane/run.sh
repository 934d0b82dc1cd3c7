#!/usr/bin/env bash
# Benchmark 3 (issue 6), the full run: control_plane_bench at 10, 100 and 1000 apps x 100 workers,
# one process each (so VmRSS is that size's alone), then the table rows for docs/benchmarks.md.
#   bash tests/bench/control_plane/run.sh [--bin DIR] [extra control_plane_bench flags]
# EVER_BENCH_APPS ("10 100 1000"), EVER_BENCH_WORKERS (100), EVER_BENCH_TIMEOUT (s per size, 1800).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
bin=$root/build/bin
if [[ ${1:-} == --bin ]]; then bin=$2; shift 2; fi
rows=()
for apps in ${EVER_BENCH_APPS:-10 100 1000}; do
  out=$(timeout "${EVER_BENCH_TIMEOUT:-1800}" "$bin/control_plane_bench" --apps "$apps" \
          --workers "${EVER_BENCH_WORKERS:-100}" "$@" | tee /dev/stderr) || true
  rows+=("$(grep '^| ' <<<"$out" | tail -1)")
done
echo
echo "| apps x workers | VmRSS loaded | decisions/s | decision p99 (bucket) | burst -> scale-up order p99 | restart -> resumed | setup |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
