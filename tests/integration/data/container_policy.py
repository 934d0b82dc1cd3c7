#!/usr/bin/env python3
"""A container autoscaler for Ever's integration tests (standard library only).

Ever starts it with PORT set and POSTs Factors JSON (everai-reference 1.2) to
EVER_AUTOSCALER_PATH; it answers a DecideResult (1.3). Modes (argv[1]):
  queue    keep at least 1 worker; ScaleUp 1 while requests wait and no worker is starting
           (up to MAX_WORKERS); ScaleDown the newest Free worker once the queue is empty and it
           has been idle IDLE_SECONDS (never below 1)
  hang     as queue while there is no worker; then never answers in time (sleeps)
  garbage  as queue while there is no worker; then answers 200 with a body that is not JSON
  volume   keep as many workers as the file $EVER_VOLUMES_DIR/limits/floor says (the app's
           ConfigMap volume `limits`), read at every decision; 1 if the file is missing
"""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = sys.argv[1] if len(sys.argv) > 1 else "queue"
MAX_WORKERS = 3
IDLE_SECONDS = 2


def floor_from_volume():
    path = os.path.join(os.environ.get("EVER_VOLUMES_DIR", ""), "limits", "floor")
    try:
        with open(path) as f:
            return max(1, min(MAX_WORKERS, int(f.read().strip())))
    except (OSError, ValueError):
        return 1


def decide_floor(factors):
    workers = factors.get("workers", [])
    want = floor_from_volume()
    if len(workers) < want:
        return {"max_workers": MAX_WORKERS, "actions": [{"action": "ScaleUp", "count": want - len(workers)}]}
    if len(workers) > want:
        newest = max(workers, key=lambda w: w.get("started_at", 0))
        return {"max_workers": MAX_WORKERS, "actions": [{"action": "ScaleDown", "worker_id": newest["worker_id"]}]}
    return {"max_workers": MAX_WORKERS, "actions": []}


def decide(factors):
    if MODE == "volume":
        return decide_floor(factors)
    workers = factors.get("workers", [])
    waiting = sum(factors.get("queue", {}).get(k, 0) for k in ("QueueDueBusy", "QueueDueSession", "NotDispatch"))
    starting = [w for w in workers if w.get("status") == "Inflight"]
    if not workers:
        return {"max_workers": MAX_WORKERS, "actions": [{"action": "ScaleUp", "count": 1}]}
    if waiting > 0:
        if not starting and len(workers) < MAX_WORKERS:
            return {"max_workers": MAX_WORKERS, "actions": [{"action": "ScaleUp", "count": 1}]}
        return {"max_workers": MAX_WORKERS, "actions": []}
    now = time.time()
    idle = [w for w in workers if w.get("status") == "Free" and w.get("number_of_sessions", 0) == 0
            and now - w.get("last_service_time", now) >= IDLE_SECONDS]
    if len(workers) > 1 and idle:
        newest = max(idle, key=lambda w: w.get("started_at", 0))
        return {"max_workers": MAX_WORKERS, "actions": [{"action": "ScaleDown", "worker_id": newest["worker_id"]}]}
    return {"max_workers": MAX_WORKERS, "actions": []}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != os.environ.get("EVER_AUTOSCALER_PATH", "/-everai-/autoscaler"):
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            factors = json.loads(body or b"{}")
        except ValueError:
            self.send_error(400, "unparsable Factors")
            return
        if factors.get("workers") and MODE == "hang":
            time.sleep(30)
            return
        if factors.get("workers") and MODE == "garbage":
            out = b"this is not a DecideResult"
        else:
            out = json.dumps(decide(factors)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, fmt, *args):
        sys.stderr.write("policy: " + (fmt % args) + "\n")


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
