#!/usr/bin/env bash
# The walk-through of docs/getting-started.md, end to end, on this machine: installs and builds
# Ever, starts everd with its defaults in a fresh directory, creates the seed's ConfigMap, deploys
# the getting-started app, drives it with `ab`, shows the scale-up and the idle scale-down, and
# stops everything it started.
#
# Environment (defaults are the seed's):
#   EVER_DEMO_LOAD_SECONDS  length of the ab run            (120)
#   EVER_DEMO_MAX_IDLE      max_idle_time in the ConfigMap  (60)
#   EVER_DEMO_PORT          gateway port                    (8080)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
load_seconds=${EVER_DEMO_LOAD_SECONDS:-120}
max_idle=${EVER_DEMO_MAX_IDLE:-60}
port=${EVER_DEMO_PORT:-8080}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "install dependencies and build"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" --target everd ever ever-sample-app
export PATH="$root/build/bin:$PATH"

workdir=$(mktemp -d /tmp/ever-demo.XXXXXX)
cd "$workdir"
export EVER_ENDPOINT="http://127.0.0.1:$port"
everd_pid=""
cleanup() {
  if [ -n "$everd_pid" ] && kill -0 "$everd_pid" 2>/dev/null; then
    step "stop everd and its workers"
    ever down || kill "$everd_pid"
    wait "$everd_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

step "start everd (data in $workdir/.ever)"
everd --listen "127.0.0.1:$port" > everd.log 2>&1 &
everd_pid=$!
for _ in $(seq 1 100); do
  curl -fs "$EVER_ENDPOINT/healthz" >/dev/null 2>&1 && break
  kill -0 "$everd_pid" 2>/dev/null || { cat everd.log; exit 1; }
  sleep 0.1
done
cat everd.log
token=$(cat .ever/token)

step "ever configmap create get-start-configmap ..."
ever configmap create get-start-configmap \
  --from-literal min_workers=1 --from-literal max_workers=5 \
  --from-literal max_queue_size=2 --from-literal scale_up_step=1 \
  --from-literal max_idle_time="$max_idle"

step "ever app create -f docs/examples/getting-started/app.yaml"
ever app create -f "$root/docs/examples/getting-started/app.yaml"
for _ in $(seq 1 100); do
  ever worker list get-start | grep -q RUNNING && break
  sleep 0.1
done

step "ever worker list   (before load: 1 worker RUNNING FREE)"
ever worker list
step "ever app queue get-start"
ever app queue get-start

step "ab -s 120 -t $load_seconds -c 4 -n 300000 (in the background)"
ab -s 120 -t "$load_seconds" -c 4 -n 300000 -H "Authorization: Bearer $token" \
  "$EVER_ENDPOINT/api/routes/v1/get-start/sse" > ab.log 2>&1 &
ab_pid=$!
sleep $(( load_seconds / 2 > 5 ? load_seconds / 2 : 5 ))
step "ever worker list   (during load: 2 workers RUNNING BUSY)"
ever worker list
step "ever app queue get-start   (during load: 2 entries, WorkerBusy)"
ever app queue get-start
wait "$ab_pid" || true
step "ab summary"
grep -E "Complete requests|Failed requests|Non-2xx|Requests per second|Time per request" ab.log || cat ab.log

step "ever worker list   (right after load)"
ever worker list
step "waiting for the idle scale-down (max_idle_time=${max_idle}s)"
deadline=$(( $(date +%s) + max_idle + 30 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  live=$(ever worker list get-start -o json | grep -c '"status": "RUNNING"' || true)
  [ "$live" -le 1 ] && break
  printf '  %s: %s workers running\n' "$(date +%T)" "$live"
  sleep 5
done
step "ever worker list -a   (after max_idle_time: back to 1 worker)"
ever worker list -a
step "ever app decisions get-start"
ever app decisions get-start || true
