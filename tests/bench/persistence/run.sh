#!/usr/bin/env bash
# Benchmark 4 (issue 6): the cost of durability on the queued path, in one run.
#
# Starts three everds that differ only in knob queue_durability (what a request that has to wait
# writes to the `queue` table: 0 = nothing, 1 = a RocksDB WAL write without fsync, the default,
# 2 = an fsynced write), each with the sample app deployed as one worker with spec.concurrency 1.
# wrk then drives GET /fast with more connections than the worker takes at once, so nearly every
# request waits in the queue: one row written when it queues and deleted when it is granted.
# The modes are interleaved per concurrency so all see the same machine.
#
# Usage: tests/bench/persistence/run.sh [--smoke] [--seconds N] [--conns "4 16"] [--bin DIR]
#                                       [--out FILE]
#   --smoke  4 connections, 1 s per point; fails unless every mode answers 200, requests queued
#            and every number parses.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=../gateway/lib.sh
source "$here/../gateway/lib.sh"

smoke=0
seconds=5
conns="4 16"
out=""
BIN=${EVER_BIN_DIR:-$root/build/bin}
while (($#)); do
  case $1 in
    --smoke) smoke=1; seconds=1; conns=4 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) bench_common_arg "$@" || bench_die "unknown argument $1"; shift ;;
  esac
  shift
done
bench_require wrk curl
bench_init

modes=(0 1 2)
declare -A name url hdr eurl epid
name[0]="off"
name[1]="relaxed (WAL, default)"
name[2]="sync (fsync)"
for m in "${modes[@]}"; do
  bench_start_everd "q$m" 2 --knob "queue_durability=$m"
  cat >"$bench_tmp/app$m.yaml" <<EOF
version: everai/v1alpha1
kind: App
metadata: {name: bench-q}
spec:
  command: [ever-sample-app]
  concurrency: 1
  queue: {maxLength: 100000}
  autoscaler:
    builtin:
      name: simple
      arguments: {min_workers: '1', max_workers: '1'}
EOF
  bench_ever app create -f "$bench_tmp/app$m.yaml" >/dev/null
  url[$m]=$EVERD_URL/api/routes/v1/bench-q/fast
  hdr[$m]="Authorization: Bearer $EVERD_TOKEN"
  eurl[$m]=$EVERD_URL
  epid[$m]=${bench_pids[-1]}
  bench_wait_http "${url[$m]}" "${hdr[$m]}" 60 || bench_die "the app behind everd q$m did not become ready"
done
for m in "${modes[@]}"; do # warm-up (not in --smoke: it only checks that things work)
  ((smoke)) && break
  wrk -t1 -c4 -d1s -H "${hdr[$m]}" "${url[$m]}" >/dev/null 2>&1 || true
done

declare -A res
for c in $conns; do
  for m in "${modes[@]}"; do
    # Ever's own view, halfway through: how many requests are waiting in the queue.
    ( sleep "$(awk -v s="$seconds" 'BEGIN { print s / 2 }')"
      bench_metric "${eurl[$m]}" 'ever_queue_length{app="default/bench-q"}' >"$bench_tmp/qlen.$m.$c" ) &
    sampler=$!
    cpu0=$(bench_cpu_us "${epid[$m]}")
    read -r rps p50 p99 err < <(bench_wrk "${url[$m]}" "${hdr[$m]}" "$c" "$seconds")
    cpu1=$(bench_cpu_us "${epid[$m]}")
    wait "$sampler" || true
    cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v r="$rps" -v s="$seconds" \
      'BEGIN { n = r * s; if (n > 0) printf "%.1f", (b - a) / n; else print "nan" }')
    res[$m,$c]="$rps $p50 $p99 $err $(cat "$bench_tmp/qlen.$m.$c") $cpu"
  done
done

fmt() { awk -v v="$1" 'BEGIN { if (v == "nan") print "n/a"; else printf "%.0f\n", v }'; }
report() {
  echo "Machine: $(bench_machine)"
  echo "Command: tests/bench/persistence/run.sh --seconds $seconds --conns \"$conns\""
  echo
  echo "wrk -t1 -c C -d ${seconds}s, GET /fast, one worker with spec.concurrency 1 (latency in µs):"
  echo
  echo "| conns | queue_durability | req/s | vs off | p50 | p99 | everd CPU µs/request | queue length at half time | errors |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local c m
  for c in $conns; do
    read -r orps _ <<<"${res[0,$c]}"
    for m in "${modes[@]}"; do
      read -r rps p50 p99 err qlen cpu <<<"${res[$m,$c]}"
      local ratio
      ratio=$(awk -v a="$rps" -v b="$orps" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')
      echo "| $c | $m: ${name[$m]} | $(fmt "$rps") | $ratio | $(fmt "$p50") | $(fmt "$p99") | $cpu | $qlen | $err |"
    done
  done
}
report | tee "${out:-/dev/null}"

failed=0
if ((smoke)); then
  for m in "${modes[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "${hdr[$m]}" "${url[$m]}")
    [ "$code" = 200 ] || { echo "smoke: mode $m answered $code" >&2; failed=1; }
    for c in $conns; do
      read -r rps p50 p99 err qlen <<<"${res[$m,$c]}"
      for v in "$rps" "$p50" "$p99"; do
        bench_is_number "$v" || { echo "smoke: mode $m c=$c: number '$v' did not parse" >&2; failed=1; }
      done
      [ "$err" = 0 ] || { echo "smoke: mode $m c=$c: $err errors" >&2; failed=1; }
    done
  done
  ((failed == 0)) && echo "smoke: ok"
fi
exit "$failed"
