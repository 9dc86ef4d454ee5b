#!/usr/bin/env python3
"""Deliveries per second: http jobs from QueueLab (SQLite store) to a target that answers at once.

Targets: QueueLab's own built-in sink (/sink/bench, served by the same HTTP thread as the API it
competes with), and nginx returning 200 (nginx-delivery.conf.in). For each target: start a fresh
QueueLab on a temporary database, submit --jobs http jobs in batches of --batch, and time from the
first submission until every job has finished; the rate is jobs / that time. Submissions and
deliveries overlap, as they would in use.

    tests/benchmarks/delivery.py [--binary build/release/app/queuelab] [--jobs 5000] [--batch 500]
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("process exited with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("port %d never opened" % port)


def request(conn, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
    answer = conn.getresponse()
    return answer.status, json.loads(answer.read() or b"null")


def start_nginx(workdir):
    port = free_port()
    with open(os.path.join(HERE, "nginx-delivery.conf.in")) as f:
        conf = f.read().replace("@PREFIX@", workdir).replace("@PORT@", str(port))
    path = os.path.join(workdir, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-c", path, "-p", workdir, "-e", os.path.join(workdir, "error.log"),
                             "-g", "daemon off;"])
    wait_port(port, proc)
    return proc, port


def run(binary, target, jobs, batch, workers):
    workdir = tempfile.mkdtemp(prefix="queuelab-delivery-")
    nginx = None
    port = free_port()
    queuelab = subprocess.Popen([binary, "--headless", "--port", str(port), "--db",
                                 os.path.join(workdir, "queuelab.db"), "--workers", str(workers),
                                 "--max-queued", str(jobs * 2)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, queuelab)
        if target == "nginx":
            nginx, target_port = start_nginx(workdir)
            url = "http://127.0.0.1:%d/hook" % target_port
        else:
            url = "http://127.0.0.1:%d/sink/bench" % port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        job = {"type": "http", "payload": {"url": url, "body": {"n": 1}}}
        started = time.monotonic()
        for first in range(0, jobs, batch):
            status, answer = request(conn, "POST", "/jobs/batch", {"jobs": [job] * min(batch, jobs - first)})
            if status != 202:
                raise SystemExit("POST /jobs/batch answered %d: %s" % (status, answer))
        while True:
            status, stats = request(conn, "GET", "/stats")
            if stats.get("finished_total", 0) >= jobs:
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        counts = stats.get("counts", {})
        return {"target": target, "jobs": jobs, "seconds": round(elapsed, 3), "per_second": round(jobs / elapsed),
                "succeeded": counts.get("succeeded"), "failed": counts.get("failed")}
    finally:
        queuelab.terminate()
        queuelab.wait(timeout=60)
        if nginx:
            nginx.terminate()
            nginx.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default="build/release/app/queuelab")
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--targets", default="sink,nginx")
    args = parser.parse_args()
    for target in args.targets.split(","):
        print(json.dumps(run(args.binary, target, args.jobs, args.batch, args.workers)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
