#!/usr/bin/env bash
# Benchmark 1 (issue 6): the gateway hop, Ever vs nginx, side by side in one run.
#
# Starts, on loopback:
#   direct  ever-sample-app (the worker binary) on its own port
#   nginx   Debian's nginx, generated config in a temp dir, keep-alive reverse proxy to `direct`
#           with an upstream keepalive pool, worker_processes = --threads
#   ever    a real everd (gateway_threads = --threads) with the sample app deployed through
#           `ever app create` (one worker, spec.concurrency 10000): route + token + queue lease
# and drives each with wrk (and `ab -k`, as in the seed) at every concurrency, interleaved per
# concurrency so all three see the same machine. Each point is run --rounds times, the order of
# the three rotating from round to round. On a shared machine the capacity drifts between one
# 5-second window and the next by more than the difference being measured, so the ratios are
# paired: each round's Ever/nginx ratio compares two windows taken back to back, and the table
# reports the median of those per-round ratios (and the median of each raw number beside them). Ever's own view (requests by status, upstream
# latency) is read from its /metrics.
#
# Usage: tests/bench/gateway/run.sh [--smoke] [--seconds N] [--conns "1 8 32 64"] [--threads N]
#                                   [--rounds N] [--bin DIR] [--out FILE] [--no-ab] [--perf PREFIX]
#                                   [--knob NAME=VALUE ...]
#   --seconds  per point and round (default 5); --rounds: default 3
#   --knob   passed to everd (e.g. gateway_idle_poll_us=0 to measure without idle polling)
#   --smoke  1 connection, 1 s, 1 round; fails unless all three answer 200 and every number
#            parses (what the test suite runs).
#   --perf   records `perf record -g` of everd during each Ever point of the first round into
#            PREFIX.c<conns>
#            (read with `perf report -i PREFIX.c8 --no-children --sort sym`).
# Prints a markdown table; --out also writes it to FILE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

smoke=0
seconds=5
conns="1 8 32 64"
threads=1
rounds=3
use_ab=1
out=""
perf_prefix=""
everd_knobs=()
BIN=${EVER_BIN_DIR:-$root/build/bin}
while (($#)); do
  case $1 in
    --smoke) smoke=1; seconds=1; conns=1; rounds=1 ;;
    --threads) threads=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --no-ab) use_ab=0 ;;
    --perf) perf_prefix=$2; shift ;;
    --knob) [ $# -ge 2 ] || bench_die "--knob needs NAME=VALUE"; everd_knobs+=(--knob "$2"); shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) bench_common_arg "$@" || bench_die "unknown argument $1"; shift ;;
  esac
  shift
done
bench_require wrk ab nginx curl

bench_init
NGINX=$(command -v nginx)

# --- direct ------------------------------------------------------------------------------------
app_port=$(bench_free_port)
"$BIN/ever-sample-app" --port "$app_port" --threads "$threads" >"$bench_tmp/app.log" 2>&1 &
bench_pids+=($!)
app_pid=$!
bench_wait_http "http://127.0.0.1:$app_port/fast" || bench_die "the sample app did not start"

# --- nginx -------------------------------------------------------------------------------------
ngx_port=$(bench_free_port)
mkdir -p "$bench_tmp/nginx"
cat >"$bench_tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $threads;
pid $bench_tmp/nginx/nginx.pid;
error_log $bench_tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $bench_tmp/nginx/body;
  proxy_temp_path $bench_tmp/nginx/proxy;
  fastcgi_temp_path $bench_tmp/nginx/fastcgi;
  uwsgi_temp_path $bench_tmp/nginx/uwsgi;
  scgi_temp_path $bench_tmp/nginx/scgi;
  keepalive_requests 1000000;
  upstream app {
    server 127.0.0.1:$app_port;
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$ngx_port;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
"$NGINX" -c "$bench_tmp/nginx/nginx.conf" -p "$bench_tmp/nginx" >"$bench_tmp/nginx/out.log" 2>&1 &
bench_pids+=($!)
ngx_pid=$!
bench_wait_http "http://127.0.0.1:$ngx_port/fast" || {
  cat "$bench_tmp/nginx/error.log" >&2
  bench_die "nginx did not start"
}

# --- ever --------------------------------------------------------------------------------------
# CAF scheduler threads = gateway threads + 1: the queue actor's lease runs there, concurrently
# with the gateway's io thread(s).
bench_start_everd ever $((threads + 1)) --knob "gateway_threads=$threads" "${everd_knobs[@]}"
everd_pid=${bench_pids[-1]}
cat >"$bench_tmp/app.yaml" <<EOF
version: everai/v1alpha1
kind: App
metadata: {name: bench-gw}
spec:
  command: [ever-sample-app, --threads, "$threads"]
  concurrency: 10000
  queue: {maxLength: 100000}
  # The builtin policy, as users run it (the scaler decides on every queue change), pinned to
  # one worker so all targets proxy to one app process.
  autoscaler:
    builtin:
      name: simple
      arguments: {min_workers: '1', max_workers: '1'}
EOF
bench_ever app create -f "$bench_tmp/app.yaml" >/dev/null
ever_hdr="Authorization: Bearer $EVERD_TOKEN"
ever_url=$EVERD_URL/api/routes/v1/bench-gw/fast
bench_wait_http "$ever_url" "$ever_hdr" 60 || bench_die "the app behind Ever did not become ready"

# --- load --------------------------------------------------------------------------------------
declare -A url hdr
url[direct]=http://127.0.0.1:$app_port/fast
url[nginx]=http://127.0.0.1:$ngx_port/fast
url[ever]=$ever_url
hdr[direct]="X-Bench: 1"
hdr[nginx]="X-Bench: 1"
hdr[ever]=$ever_hdr
declare -A cpu_pid # whose CPU time is the proxy's (direct: the app itself); space-separated
cpu_pid[direct]=$app_pid
cpu_pid[nginx]="$ngx_pid $(bench_children "$ngx_pid")" # the master and its workers
cpu_pid[ever]=$everd_pid
targets=(direct nginx ever)
series='ever_gateway_requests_total{namespace="default",app="bench-gw",code="200"}'
hist_labels='namespace="default",app="bench-gw"'
# What the gateway's loops did when idle (ADR 0009), summed over Ever's wrk windows.
loop_series=('ever_gateway_idle_polls_total{result="found"}' 'ever_gateway_idle_polls_total{result="missed"}' ever_gateway_loop_sleeps_total)
loop_counts() { local m; for m in "${loop_series[@]}"; do printf '%s ' "$(bench_metric "$EVERD_URL" "$m")"; done; }

# Warm-up (connection pools, page cache, CPU frequency); not in --smoke, which only checks that
# everything answers.
for t in "${targets[@]}"; do
  ((smoke)) && break
  wrk -t1 -c8 -d1s -H "${hdr[$t]}" "${url[$t]}" >/dev/null 2>&1 || true
done

declare -A res cpu cpu_used served counted idle
failed=0
for ((r = 0; r < rounds; r++)); do
  # Rotate the order, so that no target always runs first (or right after the same one).
  order=("${targets[@]:r % 3}" "${targets[@]:0:r % 3}")
  for c in $conns; do
    for t in "${order[@]}"; do
      if [ "$t" = ever ]; then
        before=$(bench_metric "$EVERD_URL" "$series")
        loops_before=$(loop_counts)
        ((r == 0)) && bench_hist_save "$EVERD_URL" ever_gateway_upstream_latency_seconds "$hist_labels" "$bench_tmp/hist.before.$c"
      fi
      perf_pid=""
      if [ "$t" = ever ] && [ -n "$perf_prefix" ] && ((r == 0)); then
        perf record -q -g -p "$everd_pid" -o "$perf_prefix.c$c" -- sleep "$seconds" >/dev/null 2>&1 &
        perf_pid=$!
      fi
      cpu0=$(bench_cpu_us ${cpu_pid[$t]})
      read -r rps p50 p99 err < <(bench_wrk "${url[$t]}" "${hdr[$t]}" "$c" "$seconds")
      cpu1=$(bench_cpu_us ${cpu_pid[$t]})
      [ -n "$perf_pid" ] && wait "$perf_pid" || true
      res[$t,$c,$r]="$rps $p50 $p99 $err"
      cpu_used[$t,$c]=$(( ${cpu_used[$t,$c]:-0} + cpu1 - cpu0 ))
      served[$t,$c]=$(awk -v a="${served[$t,$c]:-0}" -v r="$rps" -v s="$seconds" 'BEGIN { printf "%.0f", a + (r == "nan" ? 0 : r * s) }')
      if [ "$t" = ever ]; then
        after=$(bench_metric "$EVERD_URL" "$series")
        counted[$c]=$(awk -v n="${counted[$c]:-0}" -v a="$after" -v b="$before" 'BEGIN { printf "%.0f", n + a - b }')
        idle[$c]=$(awk -v sum="${idle[$c]:-0 0 0}" -v b="$loops_before" -v a="$(loop_counts)" 'BEGIN {
          split(sum, s); split(b, x); split(a, y); printf "%.0f %.0f %.0f", s[1] + y[1] - x[1], s[2] + y[2] - x[2], s[3] + y[3] - x[3] }')
        if ((r == 0)); then
          up50=$(bench_hist_quantile "$EVERD_URL" ever_gateway_upstream_latency_seconds "$hist_labels" 0.5 "$bench_tmp/hist.before.$c")
        fi
      fi
      if ((use_ab)); then
        read -r arps ap50 ap99 aerr < <(bench_ab "${url[$t]}" "${hdr[$t]}" "$c" "$seconds")
        res[ab,$t,$c,$r]="$arps $ap50 $ap99 $aerr"
      fi
    done
    ((r == 0)) && res[metrics,$c]="$up50"
  done
done

median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# summarize TOOL C: for TOOL's results res[TOOL$t,C,round] ("rps p50 p99 errors"; TOOL is "" for
# wrk, "ab," for ab): res[TOOL$t,C] holds the median of each number over the rounds (errors
# summed); res[TOOLtputs,C] and res[TOOLaddeds,C] the per-round Ever/nginx ratios (req/s; added
# p50 over direct), each from two windows run back to back; res[TOOLratio,C] their medians.
summarize() {
  local k=$1 c=$2 t r rps p50 p99 err drps dp50 nrps np50 erps ep50
  for t in "${targets[@]}"; do
    local col_rps="" col_p50="" col_p99="" errs=0
    for ((r = 0; r < rounds; r++)); do
      read -r rps p50 p99 err <<<"${res[$k$t,$c,$r]}"
      col_rps+=" $rps" col_p50+=" $p50" col_p99+=" $p99"
      errs=$((errs + err))
    done
    res[$k$t,$c]="$(median <<<"$col_rps") $(median <<<"$col_p50") $(median <<<"$col_p99") $errs"
  done
  local tputs="" addeds=""
  for ((r = 0; r < rounds; r++)); do
    read -r drps dp50 _ _ <<<"${res[${k}direct,$c,$r]}"
    read -r nrps np50 _ _ <<<"${res[${k}nginx,$c,$r]}"
    read -r erps ep50 _ _ <<<"${res[${k}ever,$c,$r]}"
    tputs+=" $(awk -v e="$erps" -v n="$nrps" 'BEGIN { if (n + 0 > 0) printf "%.2f", e / n; else print "nan" }')"
    addeds+=" $(awk -v e="$ep50" -v n="$np50" -v d="$dp50" 'BEGIN { if (n - d > 0) printf "%.2f", (e - d) / (n - d); else print "nan" }')"
  done
  res[${k}tputs,$c]=${tputs# }
  res[${k}addeds,$c]=${addeds# }
  res[${k}ratio,$c]="$(median <<<"${tputs//nan/}") $(median <<<"${addeds//nan/}")"
}
for c in $conns; do
  summarize "" "$c"
  ((use_ab)) && summarize ab, "$c"
  for t in "${targets[@]}"; do # CPU per request over all rounds (wrk's windows)
    cpu[$t,$c]=$(awk -v u="${cpu_used[$t,$c]}" -v n="${served[$t,$c]}" 'BEGIN { if (n > 0) printf "%.1f", u / n; else print "nan" }')
  done
done

# --- report ------------------------------------------------------------------------------------
fmt() { awk -v v="$1" -v d="${2:-0}" 'BEGIN { if (v == "nan") print "n/a"; else printf "%.*f\n", d, v }'; }
report() {
  echo "Machine: $(bench_machine)"
  echo "Command: tests/bench/gateway/run.sh --seconds $seconds --conns \"$conns\" --threads $threads --rounds $rounds${everd_knobs[*]:+ ${everd_knobs[*]}}"
  echo "Ever gateway_threads=$threads, CAF threads=$((threads + 1)); nginx worker_processes=$threads; app --threads $threads"
  echo
  echo "wrk -t1 -c C -d ${seconds}s, GET /fast, $rounds rounds (latency in µs). Raw numbers: the median over the rounds. Ratios: the median of the per-round ratios (listed at the end of the row, round by round)."
  echo
  echo "| conns | direct req/s | nginx req/s | Ever req/s | Ever/nginx req/s (target ≥ 0.9) | direct p50 | nginx p50 | Ever p50 | added p50 Ever/nginx (target ≤ 1.2) | direct p99 | nginx p99 | Ever p99 | met | per round: req/s ratio; added p50 ratio |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  local c
  for c in $conns; do
    read -r drps dp50 dp99 derr <<<"${res[direct,$c]}"
    read -r nrps np50 np99 nerr <<<"${res[nginx,$c]}"
    read -r erps ep50 ep99 eerr <<<"${res[ever,$c]}"
    local tput added met
    read -r tput added <<<"${res[ratio,$c]}"
    tput=$(fmt "$tput" 2)
    added=$(fmt "$added" 2)
    met=$(awk -v t="$tput" -v a="$added" 'BEGIN { print (t != "n/a" && a != "n/a" && t >= 0.9 && a <= 1.2) ? "yes" : "no" }')
    echo "| $c | $(fmt "$drps") | $(fmt "$nrps") | $(fmt "$erps") | $tput | $(fmt "$dp50") | $(fmt "$np50") | $(fmt "$ep50") | $added | $(fmt "$dp99") | $(fmt "$np99") | $(fmt "$ep99") | $met | ${res[tputs,$c]}; ${res[addeds,$c]} |"
  done
  echo
  echo "Ever's own view from /metrics (per concurrency, all rounds): 200s counted by the gateway vs wrk's total, upstream (worker) p50 from ever_gateway_upstream_latency_seconds (first round); what the gateway's loop did when idle, per request (ever_gateway_idle_polls_total, ever_gateway_loop_sleeps_total; ADR 0009); CPU per request over all rounds:"
  echo
  echo "| conns | wrk requests | ever_gateway_requests_total{code=200} delta | upstream p50 µs | idle polls found / missed / sleeps per request | CPU µs/request: app direct / nginx / everd | wrk errors (direct/nginx/ever) |"
  echo "|---|---|---|---|---|---|---|"
  for c in $conns; do
    read -r _ _ _ eerr <<<"${res[ever,$c]}"
    local per_request
    per_request=$(awk -v i="${idle[$c]:-0 0 0}" -v n="${counted[$c]:-0}" 'BEGIN { split(i, v); if (n > 0) printf "%.2f / %.2f / %.2f", v[1] / n, v[2] / n, v[3] / n; else print "n/a" }')
    echo "| $c | ~${served[ever,$c]} | ${counted[$c]} | ${res[metrics,$c]} | $per_request | ${cpu[direct,$c]} / ${cpu[nginx,$c]} / ${cpu[ever,$c]} | $(echo "${res[direct,$c]}" | cut -d' ' -f4)/$(echo "${res[nginx,$c]}" | cut -d' ' -f4)/$eerr |"
  done
  if ((use_ab)); then
    echo
    echo "ab -k -c C -t ${seconds}, right after wrk in each round; medians and paired ratios as above (ab rounds latency to whole ms, too coarse for the added-p50 ratio):"
    echo
    echo "| conns | direct req/s | nginx req/s | Ever req/s | Ever/nginx req/s | direct p50/p99 ms | nginx p50/p99 ms | Ever p50/p99 ms | errors d/n/e | per round: req/s ratio |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for c in $conns; do
      read -r drps dp50 dp99 derr <<<"${res[ab,direct,$c]}"
      read -r nrps np50 np99 nerr <<<"${res[ab,nginx,$c]}"
      read -r erps ep50 ep99 eerr <<<"${res[ab,ever,$c]}"
      local r
      read -r r _ <<<"${res[ab,ratio,$c]}"
      echo "| $c | $(fmt "$drps") | $(fmt "$nrps") | $(fmt "$erps") | $(fmt "$r" 2) | $dp50/$dp99 | $np50/$np99 | $ep50/$ep99 | $derr/$nerr/$eerr | ${res[ab,tputs,$c]} |"
    done
  fi
}
report | tee "${out:-/dev/null}"

# --- smoke checks --------------------------------------------------------------------------------
if ((smoke)); then
  for t in "${targets[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "${hdr[$t]}" "${url[$t]}")
    [ "$code" = 200 ] || { echo "smoke: $t answered $code" >&2; failed=1; }
    for c in $conns; do
      read -r rps p50 p99 err <<<"${res[$t,$c]}"
      for v in "$rps" "$p50" "$p99"; do
        bench_is_number "$v" || { echo "smoke: $t c=$c: wrk number '$v' did not parse" >&2; failed=1; }
      done
      [ "$err" = 0 ] || { echo "smoke: $t c=$c: $err wrk errors" >&2; failed=1; }
      if ((use_ab)); then
        read -r rps p50 p99 err <<<"${res[ab,$t,$c]}"
        bench_is_number "$rps" || { echo "smoke: $t c=$c: ab req/s '$rps' did not parse" >&2; failed=1; }
        [ "$err" = 0 ] || { echo "smoke: $t c=$c: $err ab errors" >&2; failed=1; }
      fi
    done
  done
  for c in $conns; do
    up50=${res[metrics,$c]}
    [ "${counted[$c]:-0}" -gt 0 ] || { echo "smoke: /metrics counted no 200s for the Ever run" >&2; failed=1; }
    bench_is_number "$up50" || { echo "smoke: upstream p50 from /metrics '$up50' did not parse" >&2; failed=1; }
  done
  # The idle-loop series are there even when polling is off (--knob gateway_idle_poll_us=0).
  metrics_text=$(curl -s "$EVERD_URL/metrics")
  for m in "${loop_series[@]}"; do
    grep -qF "$m " <<<"$metrics_text" || { echo "smoke: /metrics has no $m" >&2; failed=1; }
  done
  ((failed == 0)) && echo "smoke: ok"
fi
exit "$failed"
