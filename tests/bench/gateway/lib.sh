# Shared helpers of Ever's benchmark drivers (sourced, not run): free ports, starting everd and
# deploying an app, running wrk/ab and parsing their output, reading /metrics, cleanup that kills
# only the processes this script started.
# shellcheck shell=bash

bench_pids=()       # processes we started (killed by bench_cleanup)
bench_everd_dirs=() # data dirs of everds we started (their workers are stopped by bench_cleanup)
bench_tmp=""

bench_die() {
  echo "bench: $*" >&2
  exit 1
}

# bench_init: makes the temp dir and installs the cleanup trap.
# bench_common_arg OPTION [VALUE]: takes an option every bench driver has, setting the driver's
# variable: --seconds, --conns, --bin (BIN), --out. Returns 1 for any other option.
bench_common_arg() {
  case $1 in
    --seconds | --conns | --bin | --out) [ $# -ge 2 ] || bench_die "$1 needs a value" ;;
    *) return 1 ;;
  esac
  case $1 in
    --seconds) seconds=$2 ;;
    --conns) conns=$2 ;;
    --bin) BIN=$2 ;;
    --out) out=$2 ;;
  esac
}

# bench_require TOOL...: dies unless every tool is on PATH and $BIN has an everd.
bench_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || bench_die "$tool is not installed (scripts/install-deps.sh)"
  done
  [ -x "$BIN/everd" ] || bench_die "no everd in $BIN (build first, or pass --bin)"
}

bench_init() {
  bench_tmp=$(mktemp -d /tmp/ever-bench.XXXXXX)
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  local d pid
  # everd's workers outlive everd by design: stop them by the pids everd recorded (their process
  # groups), never by name.
  for d in "${bench_everd_dirs[@]}"; do
    for pid in $(bench_worker_pids "$d"); do
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
  done
  for pid in "${bench_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${bench_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  for d in "${bench_everd_dirs[@]}"; do
    for pid in $(bench_worker_pids "$d"); do kill -KILL -- "-$pid" 2>/dev/null || true; done
  done
  [ -n "$bench_tmp" ] && rm -rf "$bench_tmp"
}

# bench_worker_pids DATA_DIR: pids of worker processes started by the everd of DATA_DIR (they carry
# EVER_OWNER=<data dir> in their environment).
bench_worker_pids() {
  local dir=$1 p
  for p in /proc/[0-9]*; do
    [ -r "$p/environ" ] || continue
    if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx "EVER_OWNER=$dir"; then
      echo "${p#/proc/}"
    fi
  done
}

# bench_free_port: a TCP port on 127.0.0.1 nobody listens on (outside the worker port range).
bench_free_port() {
  local p
  for _ in $(seq 200); do
    p=$((30000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  bench_die "no free port found"
}

# bench_wait_http URL [HEADER] [SECONDS]: waits until URL answers 200.
bench_wait_http() {
  local url=$1 hdr=${2:-X-Bench: 1} limit=${3:-30} i
  for ((i = 0; i < limit * 10; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "$hdr" "$url")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

# bench_start_everd NAME THREADS [--knob k=v ...]: starts everd with its own data dir; sets
# EVERD_URL, EVERD_TOKEN, EVERD_DIR.
bench_start_everd() {
  local name=$1 threads=$2
  shift 2
  local dir=$bench_tmp/$name port attempt
  mkdir -p "$dir"
  bench_everd_dirs+=("$dir") # cleanup stops whatever workers it started, even if it fails
  # A port found free can be taken before everd binds it (other processes pick ports too): try
  # another one then, rather than failing the run.
  for attempt in 1 2 3; do
    port=$(bench_free_port)
    "$BIN/everd" --data-dir "$dir" --listen "127.0.0.1:$port" --cluster-listen 127.0.0.1:0 \
      --threads "$threads" "$@" >"$dir.log" 2>&1 &
    local pid=$!
    disown "$pid" 2>/dev/null || true
    EVERD_URL=http://127.0.0.1:$port
    EVERD_DIR=$dir
    if bench_wait_http "$EVERD_URL/healthz" "X-Bench: 1" 30; then
      bench_pids+=("$pid")
      EVERD_TOKEN=$(cat "$dir/token")
      return 0
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q "Address already in use" "$dir.log" || break
  done
  cat "$dir.log" >&2
  bench_die "everd $name did not start"
}

# bench_ever ARGS...: the CLI against the last everd started.
bench_ever() {
  EVER_ENDPOINT=$EVERD_URL EVER_TOKEN=$EVERD_TOKEN EVER_HOME=$bench_tmp "$BIN/ever" "$@"
}

# bench_wrk URL HEADER CONNS SECONDS: runs wrk; prints "rps p50_us p99_us errors" (errors: socket
# errors plus non-2xx answers).
bench_wrk() {
  local url=$1 hdr=$2 c=$3 d=$4 out
  out=$(wrk -t1 -c"$c" -d"${d}s" --latency -H "$hdr" "$url" 2>&1) || true
  echo "$out" >>"$bench_tmp/wrk.log"
  echo "$out" | awk '
    function us(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v + 0 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v * 1000 }
      if (v ~ /m$/)  { sub(/m$/, "", v);  return v * 60e6 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1e6 }
      return v + 0
    }
    /^ +50%/ { p50 = us($2) }
    /^ +99%/ { p99 = us($2) }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
    END { if (rps == "") rps = "nan"; if (p50 == "") p50 = "nan"; if (p99 == "") p99 = "nan";
          printf "%s %s %s %d\n", rps, p50, p99, err }'
}

# bench_ab URL HEADER CONNS SECONDS: runs `ab -k`; prints "rps p50_ms p99_ms errors".
bench_ab() {
  local url=$1 hdr=$2 c=$3 d=$4 out
  out=$(ab -k -q -c "$c" -t "$d" -n 100000000 -s 10 -H "$hdr" "$url" 2>&1) || true
  echo "$out" >>"$bench_tmp/ab.log"
  echo "$out" | awk '
    /^Requests per second:/ { rps = $4 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /^Failed requests:/ { err += $3 }
    /^Non-2xx responses:/ { err += $3 }
    END { if (rps == "") rps = "nan"; if (p50 == "") p50 = "nan"; if (p99 == "") p99 = "nan";
          printf "%s %s %s %d\n", rps, p50, p99, err }'
}

# bench_metric URL NAME_AND_LABELS: the value of one /metrics series (0 if absent). The label
# match is a substring match on the whole series line before the value.
bench_metric() {
  curl -s "$1/metrics" | awk -v want="$2" 'index($0, want) == 1 { v = $NF } END { print (v == "" ? 0 : v) }'
}

# bench_hist_quantile URL METRIC LABELS Q BEFORE_FILE: quantile Q (0-1) of histogram METRIC{LABELS}
# over the observations made since BEFORE_FILE was saved (by bench_hist_save); in µs, by linear
# interpolation inside the bucket, as Prometheus' histogram_quantile does.
bench_hist_save() {
  curl -s "$1/metrics" | grep "^$2_bucket{$3" >"$4" || true
}
bench_hist_quantile() {
  local now
  now=$(mktemp "$bench_tmp/hist.XXXXXX")
  bench_hist_save "$1" "$2" "$3" "$now"
  awk -v q="$4" '
    function le(line) { match(line, /le="[^"]*"/); return substr(line, RSTART + 4, RLENGTH - 5) }
    NR == FNR { before[le($0)] = $NF; next }
    { b = le($0); n++; bound[n] = b; cum[n] = $NF - before[b] }
    END {
      total = cum[n]
      if (total <= 0) { print "nan"; exit }
      rank = q * total; prev = 0; prevc = 0
      for (i = 1; i <= n; i++) {
        if (cum[i] >= rank) {
          if (bound[i] == "+Inf") { printf "%.0f\n", prev * 1e6; exit }
          span = cum[i] - prevc
          f = span > 0 ? (rank - prevc) / span : 0
          printf "%.0f\n", (prev + (bound[i] - prev) * f) * 1e6; exit
        }
        prev = bound[i]; prevc = cum[i]
      }
    }' "$5" "$now"
}

# bench_is_number X: true for a finite decimal number.
bench_is_number() {
  [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]
}

# bench_machine: one line describing the machine.
bench_machine() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  echo "$(nproc) CPUs ($cpu), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_cpu_us PID...: user+system CPU time (µs) used so far by exactly these processes, from
# /proc. Under a loaded machine, CPU per request is steadier than requests per second. Children
# are not counted: everd's children are the app's workers, whose CPU is the app's, not the
# gateway's (name nginx's workers explicitly, see bench_children).
bench_cpu_us() {
  local hz p
  hz=$(getconf CLK_TCK)
  for p in "$@"; do
    { cat "/proc/$p/stat"; } 2>/dev/null | sed 's/.*) //' | awk '{ print $12 + $13 }'
  done | awk -v hz="$hz" '{ t += $1 } END { printf "%.0f\n", t * 1e6 / hz }'
}

# bench_children PID: the direct children of PID, space-separated.
bench_children() {
  ps -o pid= --ppid "$1" 2>/dev/null | tr -s ' \n' ' ' || true
}
