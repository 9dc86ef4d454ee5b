#!/usr/bin/env python3
"""A QueueLab worker of your own: leases `resize` jobs, reports progress, completes them."""
import json, os, socket, sys, time, urllib.error, urllib.request

BASE = os.environ.get("QUEUELAB_URL", "http://127.0.0.1:8080")
WORKER = os.environ.get("WORKER_ID", f"{socket.gethostname()}-{os.getpid()}")
RESERVE_MS = int(os.environ.get("RESERVE_FOR_MS", "60000"))

def call(path, body):
    request = urllib.request.Request(BASE + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=65) as answer:
        return json.load(answer)

call("/workers", {"id": WORKER, "hostname": socket.gethostname(), "pid": os.getpid(), "job_types": ["resize"]})
while True:
    for lease in call(f"/workers/{WORKER}/lease", {"wait_ms": 30000, "reserve_for_ms": RESERVE_MS})["leases"]:
        job, token = lease["job"], lease["token"]
        try:
            call(f"/jobs/{job['id']}/lease/progress", {"token": token, "progress": 0.5, "message": "working"})
            time.sleep(float(job["payload"].get("seconds", 0)))  # the real work goes here
            result = {"size": len(json.dumps(job["payload"]))}
            call(f"/jobs/{job['id']}/lease/complete", {"token": token, "result": result})
        except urllib.error.HTTPError as error:  # 409 lease_lost: the job is no longer ours
            print(job["id"], error.code, error.read().decode(), file=sys.stderr, flush=True)
