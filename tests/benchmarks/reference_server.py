#!/usr/bin/python3
"""Reference job server: the design QueueLab is measured against.

One process, one asyncio event loop, aiohttp (Debian's python3-aiohttp, default event loop):
POST /jobs parses and validates the JSON body, gives the job an id, stores it in a dict and puts
it on an asyncio.Queue, then answers 202 with the id (`{"id": ..., "status": "queued"}` and a
Location header, the shape of the nginx ceiling's fixed answer). N worker tasks take jobs from
the queue, run them (echo, fail, sleep) and store the result in the same dict. GET /jobs/{id}
returns the job. GET /stats returns the totals by status, so that a benchmark can wait until all
jobs are finished.

This is meant to be an honest, straightforward implementation of that design, not a strawman and
not a micro-optimised one: real JSON parsing and validation, a UUID per job, timestamps, a result
dict, a Location header, access logging off.

    /usr/bin/python3 reference_server.py --port 0 [--workers 4]

prints `listening on http://127.0.0.1:PORT` once it listens, like QueueLab.
"""
import argparse
import asyncio
import json
import signal
import sys
import time
import uuid

from aiohttp import web

STATUSES = ("scheduled", "queued", "running", "succeeded", "failed", "cancelled")
MAX_BATCH = 10000


def error(status, code, message):
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


class JobServer:
    def __init__(self, workers):
        self.jobs = {}
        self.queue = asyncio.Queue()
        self.counts = dict.fromkeys(STATUSES, 0)
        self.worker_count = workers
        self.workers = []

    # --- jobs -------------------------------------------------------------------------------
    def make_job(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("job: expected an object")
        job_type = spec.get("type")
        if not isinstance(job_type, str) or not job_type:
            raise ValueError("type: required string")
        queue = spec.get("queue", "default")
        if not isinstance(queue, str) or not 1 <= len(queue) <= 64:
            raise ValueError("queue: 1 to 64 characters")
        priority = spec.get("priority", 0)
        if not isinstance(priority, int):
            raise ValueError("priority: integer")
        return {
            "id": uuid.uuid4().hex,
            "type": job_type,
            "queue": queue,
            "status": "queued",
            "priority": priority,
            "attempts": 0,
            "payload": spec.get("payload"),
            "result": None,
            "error": None,
            "created_at": time.time(),
            "started_at": None,
            "finished_at": None,
        }

    def enqueue(self, job):
        self.jobs[job["id"]] = job
        self.counts["queued"] += 1
        self.queue.put_nowait(job)

    def set_status(self, job, status):
        self.counts[job["status"]] -= 1
        self.counts[status] += 1
        job["status"] = status

    async def worker(self):
        while True:
            job = await self.queue.get()
            self.set_status(job, "running")
            job["attempts"] += 1
            job["started_at"] = time.time()
            payload = job["payload"]
            try:
                if job["type"] == "echo":
                    job["result"] = payload
                elif job["type"] == "sleep":
                    ms = payload.get("ms", 0) if isinstance(payload, dict) else 0
                    await asyncio.sleep(ms / 1000)
                    job["result"] = {"slept_ms": ms}
                elif job["type"] == "fail":
                    message = payload.get("message", "failed") if isinstance(payload, dict) else "failed"
                    raise RuntimeError(message)
                else:
                    raise RuntimeError("unknown job type " + job["type"])
                job["finished_at"] = time.time()
                self.set_status(job, "succeeded")
            except Exception as e:  # a failing job must not kill the worker
                job["error"] = {"code": "job_failed", "message": str(e)}
                job["finished_at"] = time.time()
                self.set_status(job, "failed")
            finally:
                self.queue.task_done()

    # --- HTTP ---------------------------------------------------------------------------------
    async def read_json(self, request):
        # A plain header check: aiohttp's request.content_type (and .json(), through .charset)
        # parses the header with the email package, which alone halves this server's POST rate.
        media_type = request.headers.get("Content-Type", "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            return None, error(415, "unsupported_media_type", "expected application/json")
        try:
            return json.loads(await request.read()), None
        except ValueError as e:
            return None, error(400, "bad_json", str(e))

    async def post_job(self, request):
        spec, err = await self.read_json(request)
        if err:
            return err
        try:
            job = self.make_job(spec)
        except ValueError as e:
            return error(400, "invalid_field", str(e))
        self.enqueue(job)
        return web.json_response({"id": job["id"], "status": "queued"}, status=202,
                                 headers={"Location": "/jobs/" + job["id"]})

    async def post_batch(self, request):
        body, err = await self.read_json(request)
        if err:
            return err
        specs = body.get("jobs") if isinstance(body, dict) else None
        if not isinstance(specs, list) or len(specs) > MAX_BATCH:
            return error(400, "invalid_field", "jobs: list of at most %d jobs" % MAX_BATCH)
        try:
            jobs = [self.make_job(s) for s in specs]  # all or none
        except ValueError as e:
            return error(400, "invalid_field", str(e))
        for job in jobs:
            self.enqueue(job)
        return web.json_response({"jobs": [{"id": job["id"], "status": "queued"} for job in jobs]}, status=202)

    async def get_job(self, request):
        job = self.jobs.get(request.match_info["id"])
        if job is None:
            return error(404, "not_found", "no such job")
        return web.json_response(job)

    async def stats(self, request):
        return web.json_response({
            "counts": self.counts,
            "queue_depth": self.queue.qsize(),
            "workers": {"total": self.worker_count},
        })

    async def health(self, request):
        return web.json_response({"status": "ok"})

    async def start_workers(self, app):
        self.workers = [asyncio.create_task(self.worker()) for _ in range(self.worker_count)]

    async def stop_workers(self, app):
        for w in self.workers:
            w.cancel()


async def main(args):
    server = JobServer(args.workers)
    app = web.Application(client_max_size=1024 * 1024 * 8)
    app.add_routes([
        web.post("/jobs", server.post_job),
        web.post("/jobs/batch", server.post_batch),
        web.get("/jobs/{id}", server.get_job),
        web.get("/stats", server.stats),
        web.get("/health", server.health),
    ])
    app.on_startup.append(server.start_workers)
    app.on_cleanup.append(server.stop_workers)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.bind, args.port, backlog=1024)
    await site.start()
    host, port = site._server.sockets[0].getsockname()[:2]
    print("listening on http://%s:%d" % (host, port), flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=4, help="worker tasks (default 4)")
    asyncio.run(main(parser.parse_args()))
    sys.exit(0)
