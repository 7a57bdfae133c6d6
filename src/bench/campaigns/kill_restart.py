#!/usr/bin/env python3
"""Crash campaign: SIGKILL the service at a random instant of a running cleanse, start it again, check the job.

Two modes, as the service is deployed:
  embedded  `beear serve` on its embedded PostgreSQL (one process). Odd runs kill the Java process alone (its
            PostgreSQL is left running, orphaned); even runs kill the PostgreSQL too, as an OOM kill of the
            container would.
  external  a PostgreSQL server of its own (Debian's, on loopback), an API-only replica that stays up, and a
            worker replica (`--beear.worker.replica-id=worker-1`) that is killed and started again.

For each run: submit a cleanse of an xs organism, wait until it runs, sleep a random part of the measured
duration of an uninterrupted cleanse, kill -9, start again at once. Checked per run: the first restart comes up;
the job is still there; it ends `succeeded`; no epoch is recorded twice (job_epochs rows and `epoch` events);
and the time from the restart to the job running again is reported.

Usage: src/bench/campaigns/kill_restart.py --mode embedded|external [--runs 20] [--seed 1]
Traffic goes to loopback only. Needs target/beear.jar (bin/beear builds it) and, for external, PostgreSQL 15.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
JAR = os.environ.get("BEEAR_JAR", os.path.join(ROOT, "target", "beear.jar"))
PG_BIN = "/usr/lib/postgresql/15/bin"
ADMIN_KEY = "bk_campaign-admin-key-0123456789abcdef0123456789"
OPTIONS = {"max_epochs": 4}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def java(args, log, env_extra=None):
    env = dict(os.environ, OPT_OUT_TRACKING="true", DJL_OFFLINE="true", OMP_WAIT_POLICY="PASSIVE")
    env.update(env_extra or {})
    threads = env.get("BEEAR_THREADS", str(os.cpu_count()))
    cmd = ["java", "-Xmx4g", "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch",
           f"-Dai.djl.pytorch.num_threads={threads}", "-Dai.djl.pytorch.num_interop_threads=1", "-jar", JAR] + args
    # a session of its own: the campaign kills exactly the processes it means to
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)


class Api:
    def __init__(self, port, key):
        self.base = f"http://127.0.0.1:{port}"
        self.key = key

    def call(self, method, path, body=None, timeout=10):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + self.key,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        return False

    def job(self, job_id):
        status, body = self.call("GET", f"/api/v1/cleanse-jobs/{job_id}")
        if status != 200:
            raise RuntimeError(f"job {job_id}: HTTP {status} {body}")
        return body

    def events(self, job_id):
        status, body = self.call("GET", f"/api/v1/cleanse-jobs/{job_id}/events")
        if status != 200:
            raise RuntimeError(f"events of {job_id}: HTTP {status} {body}")
        return body["data"] if isinstance(body, dict) and "data" in body else body

    def wait(self, job_id, done, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                j = self.job(job_id)
                if done(j):
                    return j
            except (urllib.error.URLError, OSError, RuntimeError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"job {job_id} did not reach the state in {timeout}s")


def postmaster_pid(pg_data):
    try:
        with open(os.path.join(pg_data, "postmaster.pid")) as f:
            return int(f.readline())
    except (OSError, ValueError):
        return None


def kill9(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Embedded:
    """`beear serve` on its embedded database: the process killed is the service itself."""

    def __init__(self, work, organism_root):
        self.work = work
        self.data = os.path.join(work, "data")
        self.port = free_port()
        self.args = ["serve", f"--server.port={self.port}", f"--beear.data-dir={self.data}",
                     f"--beear.sources.allowed-roots[0]={organism_root}", f"--beear.sources.allowed-roots[1]={work}",
                     f"--beear.security.bootstrap-key={ADMIN_KEY}", "--spring.main.banner-mode=off"]
        self.proc = None
        self.api = Api(self.port, ADMIN_KEY)
        self.starts = 0

    def start(self):
        self.starts += 1
        log = open(os.path.join(self.work, f"serve-{self.starts}.log"), "w")
        self.proc = java(self.args, log)
        return self.proc

    def kill(self, run):
        what = "java"
        pg = postmaster_pid(os.path.join(self.data, "postgres"))
        kill9(self.proc.pid)
        if run % 2 == 0 and pg:
            kill9(pg)
            what = "java+postgres"
        self.proc.wait()
        return what

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                kill9(self.proc.pid)


class External:
    """Debian's PostgreSQL on loopback, an API replica that stays up and a worker replica that is killed."""

    def __init__(self, work, organism_root):
        self.work = work
        self.pg_data = os.path.join(work, "pg")
        self.pg_port = free_port()
        os.makedirs(self.pg_data)
        shutil.chown(work, "postgres")
        shutil.chown(self.pg_data, "postgres")
        self.run_pg([f"{PG_BIN}/initdb", "-D", self.pg_data, "-U", "postgres", "-A", "trust"])
        self.run_pg([f"{PG_BIN}/pg_ctl", "-D", self.pg_data, "-l", os.path.join(self.pg_data, "log"), "-w", "-o",
                     f"-p {self.pg_port} -k {self.pg_data} -c listen_addresses=127.0.0.1", "start"])
        url = f"jdbc:postgresql://127.0.0.1:{self.pg_port}/postgres"
        common = [f"--spring.datasource.url={url}", "--spring.datasource.username=postgres",
                  f"--beear.sources.allowed-roots[0]={organism_root}", f"--beear.sources.allowed-roots[1]={work}",
                  f"--beear.security.bootstrap-key={ADMIN_KEY}", "--spring.main.banner-mode=off"]
        self.port = free_port()
        api_args = ["serve", f"--server.port={self.port}", f"--beear.data-dir={work}/api-data",
                    "--beear.worker.enabled=false"] + common
        self.worker_args = ["serve", f"--server.port={free_port()}", f"--beear.data-dir={work}/worker-data",
                            "--beear.worker.replica-id=worker-1",
                            "--beear.security.generate-bootstrap-key=false"] + common
        self.api_proc = java(api_args, open(os.path.join(work, "api.log"), "w"))
        self.api = Api(self.port, ADMIN_KEY)
        if not self.api.ready(180):
            raise RuntimeError("the API replica did not come up; see " + os.path.join(work, "api.log"))
        self.proc = None
        self.starts = 0
        self.worker_port = int(self.worker_args[1].split("=")[1])

    def run_pg(self, cmd):
        subprocess.run(["runuser", "-u", "postgres", "--"] + cmd, check=True, stdout=subprocess.DEVNULL)

    def start(self):
        self.starts += 1
        log = open(os.path.join(self.work, f"worker-{self.starts}.log"), "w")
        self.proc = java(self.worker_args, log)
        return self.proc

    def worker_ready(self, timeout):
        return Api(self.worker_port, ADMIN_KEY).ready(timeout)

    def kill(self, run):
        kill9(self.proc.pid)
        self.proc.wait()
        return "worker java"

    def stop(self):
        for p in (self.proc, self.api_proc):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(60)
                except subprocess.TimeoutExpired:
                    kill9(p.pid)
        self.run_pg([f"{PG_BIN}/pg_ctl", "-D", self.pg_data, "-m", "fast", "-w", "stop"])


def epoch_duplicates(api, job_id):
    events = api.events(job_id)
    numbers = [e["data"]["epoch"] for e in events if e.get("type") == "epoch" and e.get("data")]
    return len(numbers) - len(set(numbers)), len(set(numbers))


def resumed_at(api, job_id, after_claims):
    """Seconds-free check: the job holds a claim beyond the ones it had before the kill."""
    j = api.job(job_id)
    return j["status"] == "running" and j["attempts"] > after_claims or j["status"] == "succeeded"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["embedded", "external"], required=True)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--organism", help="an xs organism directory (default: trained into the work directory)")
    ap.add_argument("--work", help="work directory (default: a new temporary one)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = a.work or tempfile.mkdtemp(prefix=f"beear-kill-{a.mode}-")
    os.makedirs(work, exist_ok=True)
    organism = a.organism
    if not organism:
        organism = os.path.join(work, "organism-xs")
        if not os.path.isdir(organism):
            print("training an xs organism ...", flush=True)
            subprocess.run([os.path.join(ROOT, "bin", "beear"), "organism", "--size", "xs", "--setting",
                            "suffix-long", "--out", organism], check=True, stdout=subprocess.DEVNULL)
    organism = os.path.abspath(organism)
    print(f"mode {a.mode}, {a.runs} runs, work directory {work}", flush=True)
    target = Embedded(work, os.path.dirname(organism)) if a.mode == "embedded" else External(work, os.path.dirname(organism))
    target.start()
    ready = target.api.ready if a.mode == "embedded" else target.worker_ready
    if not ready(180):
        sys.exit("the service did not come up at all; see the logs in " + work)

    def submit():
        status, body = target.api.call("POST", "/api/v1/cleanse-jobs",
                                       {"model_uri": "file://" + organism + "/", "options": OPTIONS})
        if status != 201:
            raise RuntimeError(f"submission refused: HTTP {status} {body}")
        return body["id"]

    # an uninterrupted cleanse sets the window the kills fall in
    job = submit()
    target.api.wait(job, lambda j: j["status"] == "running", 120)
    t = time.monotonic()
    done = target.api.wait(job, lambda j: j["status"] in ("succeeded", "failed", "cancelled"), 1800)
    duration = time.monotonic() - t
    if done["status"] != "succeeded":
        sys.exit(f"the uninterrupted cleanse ended {done['status']}: {done.get('error')}")
    print(f"uninterrupted cleanse: {duration:.1f} s from running to succeeded", flush=True)

    rows = []
    for run in range(1, a.runs + 1):
        job = submit()
        target.api.wait(job, lambda j: j["status"] == "running", 300)
        delay = rng.uniform(0.5, 0.95 * duration)
        time.sleep(delay)
        before = target.api.job(job)
        killed = target.kill(run)
        restart = time.monotonic()
        target.start()
        came_up = ready(180)
        row = {"run": run, "killed": killed, "at_s": round(delay, 1), "state_at_kill": before["status"],
               "epoch_at_kill": before["current_epoch"], "first_restart_up": came_up}
        if came_up:
            row["restart_ready_s"] = round(time.monotonic() - restart, 1)
            try:
                if before["status"] == "running":
                    target.api.wait(job, lambda j: resumed_at(target.api, job, before["attempts"]), 600)
                    row["restart_to_resumed_s"] = round(time.monotonic() - restart, 1)
                final = target.api.wait(job, lambda j: j["status"] in ("succeeded", "failed", "cancelled"), 1800)
                dup, distinct = epoch_duplicates(target.api, job)
                row.update(status=final["status"], attempts=final["attempts"], epochs=distinct,
                           epochs_twice=dup, error=final.get("error"))
            except (TimeoutError, RuntimeError) as e:
                row.update(status="lost", error=str(e))
        rows.append(row)
        print(json.dumps(row), flush=True)
        if not came_up:
            target.start()
            if not ready(180):
                sys.exit("the service does not come up even on a second start; see " + work)
    target.stop()

    up = sum(r["first_restart_up"] for r in rows)
    ok = sum(r.get("status") == "succeeded" for r in rows)
    lost = sum(r.get("status") == "lost" for r in rows)
    twice = sum(r.get("epochs_twice", 0) for r in rows)
    resume = sorted(r["restart_to_resumed_s"] for r in rows if "restart_to_resumed_s" in r)
    print()
    print(f"| mode | runs | first restart up | jobs succeeded | jobs lost | epochs recorded twice "
          f"| restart → resumed (median, max) |")
    print("|---|---|---|---|---|---|---|")
    med = resume[len(resume) // 2] if resume else float("nan")
    print(f"| {a.mode} | {len(rows)} | {up}/{len(rows)} | {ok}/{len(rows)} | {lost} | {twice} "
          f"| {med:.1f} s, {max(resume) if resume else float('nan'):.1f} s |")
    sys.exit(0 if up == ok == len(rows) and twice == 0 else 1)


if __name__ == "__main__":
    main()
