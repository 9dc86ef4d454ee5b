#!/usr/bin/env python3
"""A no-op external worker for the benchmark suite: registers, then leases up to BATCH jobs per
call and completes them, over one keep-alive connection, until SIGTERM.

    bench_worker.py URL WORKER_ID BATCH JOB_TYPE

A single lease is completed through POST /jobs/{id}/lease/complete, as the simplest worker does;
a batch through one POST /leases/finish, answered once all its outcomes are committed. Standard
library only; a few lines of HTTP/1.1 by hand to keep the client's own cost low."""
import json
import os
import signal
import socket
import sys
import urllib.parse

running = True


def stop(signum, frame):
    global running
    running = False


class Connection:
    def __init__(self, host, port):
        self.host = host
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request_bytes(self, path, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        return (b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % (path.encode(), self.host.encode(), len(data))) + data

    def read_answer(self):
        while b"\r\n\r\n" not in self.buffer:
            self.receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(self.buffer) < length:
            self.receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if status != 200:
            raise RuntimeError("%d %s" % (status, body[:200]))
        return json.loads(body) if body else None

    def receive(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed")
        self.buffer += chunk

    def call(self, path, body):
        self.sock.sendall(self.request_bytes(path, body))
        return self.read_answer()


def main():
    url, worker, batch, job_type = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    signal.signal(signal.SIGTERM, stop)
    target = urllib.parse.urlsplit(url)
    conn = Connection(target.hostname, target.port)
    conn.call("/workers", {"id": worker, "hostname": socket.gethostname(), "pid": os.getpid(),
                           "labels": ["bench"], "job_types": [job_type]})
    lease_path = "/workers/%s/lease" % worker
    lease_body = {"max": batch, "wait_ms": 200, "reserve_for_ms": 120000}
    completed = 0
    while running:
        leases = conn.call(lease_path, lease_body)["leases"]
        if len(leases) == 1:
            conn.call("/jobs/%s/lease/complete" % leases[0]["job"]["id"], {"token": leases[0]["token"], "result": None})
        elif leases:
            outcomes = conn.call("/leases/finish", {"leases": [
                {"job_id": lease["job"]["id"], "token": lease["token"], "result": None} for lease in leases]})
            refused = [o for o in outcomes["leases"] if "error" in o]
            if refused:
                raise RuntimeError("refused outcomes: %s" % refused[:3])
        completed += len(leases)
    print("BENCH_WORKER %s completed %d" % (worker, completed), flush=True)


if __name__ == "__main__":
    main()
