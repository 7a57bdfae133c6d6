#!/usr/bin/env python3
"""Submission campaign: 1,000 concurrent submissions (500 idempotency keys, each sent twice) to `beear serve` on
its embedded PostgreSQL. Checked: exactly 500 jobs, each claimed once, no 5xx.

The jobs' model is an http:// archive on a loopback server of this script that answers 404, so every job is
claimed by the service's worker and fails at once at its download: the campaign measures the job store, not
training. Traffic goes to loopback only.

Usage: src/bench/campaigns/submit_burst.py [--keys 500] [--clients 64]
"""
import argparse
import collections
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
JAR = os.environ.get("BEEAR_JAR", os.path.join(ROOT, "target", "beear.jar"))
ADMIN_KEY = "bk_campaign-admin-key-0123456789abcdef0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NotFound(http.server.BaseHTTPRequestHandler):
    requests = 0

    def do_GET(self):
        NotFound.requests += 1
        self.send_error(404)

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the service closes the connection once it has read the 404: nothing to report


def call(base, method, path, body=None, headers=None, timeout=60):
    h = {"Authorization": "Bearer " + ADMIN_KEY, "Content-Type": "application/json"}
    h.update(headers or {})
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                 method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=500)
    ap.add_argument("--clients", type=int, default=64)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="beear-burst-")
    models = QuietServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=models.serve_forever, daemon=True).start()
    model_uri = f"http://127.0.0.1:{models.server_address[1]}/model.tar.gz"

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, OPT_OUT_TRACKING="true", DJL_OFFLINE="true", OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.Popen(
        ["java", "-Xmx2g", "-Dai.djl.offline=true", "-jar", JAR, "serve", f"--server.port={port}",
         f"--beear.data-dir={work}/data", f"--beear.security.bootstrap-key={ADMIN_KEY}",
         "--beear.sources.egress.allow=127.0.0.1/32", "--beear.worker.poll-interval=50ms",
         "--beear.limits.job-creation-rate.burst=1000000", "--beear.limits.job-creation-rate.jobs=1000000",
         "--beear.limits.max-queued-jobs-per-tenant=1000000", "--spring.main.banner-mode=off"],
        stdout=open(os.path.join(work, "serve.log"), "w"), stderr=subprocess.STDOUT, env=env,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                if urllib.request.urlopen(base + "/readyz", timeout=2).status == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit("the service did not come up; see " + work + "/serve.log")
            time.sleep(0.2)

        batch = str(int(time.time()))
        requests = [(k, {"model_uri": model_uri, "options": {"seed": k}}) for k in range(a.keys)] * 2
        start = time.monotonic()
        with ThreadPoolExecutor(a.clients) as pool:
            results = list(pool.map(lambda r: (r[0], call(base, "POST", "/api/v1/cleanse-jobs", r[1],
                                                          {"Idempotency-Key": f"{batch}-{r[0]}"})), requests))
        seconds = time.monotonic() - start
        codes = collections.Counter(status for _, (status, _) in results)
        ids_by_key = collections.defaultdict(set)
        for k, (status, body) in results:
            if status in (200, 201):
                ids_by_key[k].add(body["id"])
        ids = set().union(*ids_by_key.values()) if ids_by_key else set()

        # every job ends (its download is refused), then count its claims
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            status, page = call(base, "GET", "/api/v1/cleanse-jobs?status=queued&size=1")
            status2, page2 = call(base, "GET", "/api/v1/cleanse-jobs?status=running&size=1")
            if page["total"] == 0 and page2["total"] == 0:
                break
            time.sleep(1)
        claims = collections.Counter()
        statuses = collections.Counter()
        for job_id in ids:
            _, events = call(base, "GET", f"/api/v1/cleanse-jobs/{job_id}/events")
            events = events["data"] if isinstance(events, dict) else events
            claims[sum(1 for e in events if e["type"] == "status" and (e.get("data") or {}).get("status") == "running")] += 1
            _, job = call(base, "GET", f"/api/v1/cleanse-jobs/{job_id}")
            statuses[job["status"]] += 1
        _, all_jobs = call(base, "GET", "/api/v1/cleanse-jobs?size=1")
        five_xx = sum(n for c, n in codes.items() if c >= 500)
        print(json.dumps({"requests": len(requests), "seconds": round(seconds, 1), "codes": dict(codes),
                          "jobs": len(ids), "jobs_in_store": all_jobs["total"],
                          "keys_with_one_job": sum(1 for s in ids_by_key.values() if len(s) == 1),
                          "claims_per_job": dict(claims), "final_status": dict(statuses),
                          "model_server_requests": NotFound.requests}))
        print()
        print("| requests | keys | created (201) | replayed (200) | 5xx | jobs | claimed exactly once | seconds |")
        print("|---|---|---|---|---|---|---|---|")
        print(f"| {len(requests)} | {a.keys} | {codes.get(201, 0)} | {codes.get(200, 0)} | {five_xx} | {len(ids)} "
              f"| {claims.get(1, 0)} | {seconds:.1f} |")
        ok = five_xx == 0 and len(ids) == a.keys and all_jobs["total"] == a.keys and claims.get(1, 0) == a.keys
        sys.exit(0 if ok else 1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        models.shutdown()


if __name__ == "__main__":
    main()
