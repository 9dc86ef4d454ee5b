#!/usr/bin/python3
"""QueueLab benchmark suite: QueueLab (SQLite store and --in-memory) against three references, the
aiohttp + asyncio.Queue reference design, nginx returning a fixed 202 (the machine's HTTP ceiling)
and QHttpServer alone returning a fixed 202 (the ceiling of QueueLab's own HTTP stack), all in one
invocation.

Run through run.sh (which installs wrk, nginx-light and python3-aiohttp when missing):

    tests/benchmarks/run.sh [path/to/queuelab] [--quick] [--only post,get,...] [--servers ...]

Every server is started here and stopped here, on every exit path. Progress goes to stderr; the
final tables go to stdout and, with the raw figures, to tests/benchmarks/results/.
Standard library only (the reference server needs Debian's python3-aiohttp).
"""
import argparse
import atexit
import contextlib
import datetime
import http.client
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"  # Debian's, which has python3-aiohttp (pyenv's has not)
LISTEN_RE = re.compile(r"listening on https?://(\S+):(\d+)")
STATUSES = ("scheduled", "queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")
ALL_SCENARIOS = ("post", "get", "e2e", "workers", "batch", "scale", "gui")
ALL_SERVERS = ("nginx", "qhttpserver", "aiohttp", "memory", "sqlite")
QUEUELAB = ("memory", "sqlite")
CEILINGS = ("nginx", "qhttpserver")  # fixed answers, no jobs: POST and GET only
SERVER_LABELS = {
    "nginx": "nginx ceiling",
    "qhttpserver": "bare QHttpServer",  # + the Qt version it runs on, once known (main)
    "aiohttp": "aiohttp reference",
    "memory": "QueueLab in-memory",
    "sqlite": "QueueLab SQLite",
}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(*args):
    print("[bench %s]" % time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# What one figure's failure raises: it becomes that figure's "error", the rest still runs.
BENCH_ERRORS = (BenchError, OSError, ValueError, subprocess.SubprocessError, http.client.HTTPException)


def error_text(e):
    return str(e) if isinstance(e, BenchError) else "%s: %s" % (type(e).__name__, e)


# --------------------------------------------------------------------------------------------
# Processes: everything started is registered, runs in its own session and is stopped on every
# exit path (finally, atexit, SIGTERM/SIGHUP/SIGINT), by pid, together with what it started.
# --------------------------------------------------------------------------------------------
_started = []  # Popen objects
_started_lock = threading.Lock()


def spawn(cmd, **kwargs):
    proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
    with _started_lock:
        _started.append(proc)
    return proc


def session_pids(sid):
    """Pids of the live processes in session `sid` (each spawned process leads its own)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command: state ppid pgrp session ...
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(entry))
    return pids


def session_jiffies(sids):
    """CPU time (utime + stime, all threads) of the live processes in these sessions."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) in sids:
            total += int(fields[11]) + int(fields[12])
    return total


def terminate(proc, sig=signal.SIGTERM, timeout=10.0):
    """Stop `proc` with `sig`, then SIGKILL it and whatever else is left in its session."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log("pid %d did not stop within %.0f s after signal %d: killing it" % (proc.pid, timeout, sig))
        except ProcessLookupError:
            pass
    for pid in session_pids(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass
    with _started_lock:
        if proc in _started:
            _started.remove(proc)
    return proc.returncode


def stop_everything():
    with _started_lock:
        procs = list(_started)
    for proc in procs:
        terminate(proc, timeout=5.0)


def _on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


# --------------------------------------------------------------------------------------------
# Machine load: wait for quiet, and measure the CPU other processes used during each run.
# --------------------------------------------------------------------------------------------
def machine_jiffies():
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal
    busy = total - values[3] - values[4]
    return busy, total


class CpuMeter:
    """Share of the whole machine that processes other than ours used between start and stop."""

    def __init__(self, sids):
        self.sids = set(sids)

    def __enter__(self):
        self.busy0, self.total0 = machine_jiffies()
        self.ours0 = self._ours()
        return self

    def _ours(self):
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        me = resource.getrusage(resource.RUSAGE_SELF)
        rusage = children.ru_utime + children.ru_stime + me.ru_utime + me.ru_stime
        return session_jiffies(self.sids) + rusage * CLK_TCK

    def __exit__(self, *exc):
        busy, total = machine_jiffies()
        ours = self._ours()
        span = max(total - self.total0, 1)
        self.machine_pct = 100.0 * (busy - self.busy0) / span
        self.foreign_pct = max(0.0, 100.0 * ((busy - self.busy0) - (ours - self.ours0)) / span)
        return False


def wait_idle(cfg, sids=()):
    """Wait (at most cfg.idle_wait s) until other processes use < cfg.idle_threshold % of the machine."""
    if cfg.idle_wait <= 0:
        return None
    deadline = time.monotonic() + cfg.idle_wait
    while True:
        with CpuMeter(sids) as meter:
            time.sleep(1.0)
        if meter.foreign_pct < cfg.idle_threshold:
            return meter.foreign_pct
        if time.monotonic() > deadline:
            log("machine still busy (other processes: %.0f%% of it); measuring anyway" % meter.foreign_pct)
            return meter.foreign_pct
        log("waiting for the machine to be quiet (other processes: %.0f%%)" % meter.foreign_pct)


# --------------------------------------------------------------------------------------------
# HTTP client (keep-alive, one connection) for setup, polling and latency sampling.
# --------------------------------------------------------------------------------------------
class Client:
    def __init__(self, host, port, timeout=60):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def request(self, method, path, body=None):
        headers = {}
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, resp, data
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise

    def json(self, method, path, body=None, expect=(200, 202)):
        status, resp, data = self.request(method, path, body)
        if status not in expect:
            raise BenchError("%s %s answered %d: %s" % (method, path, status, data[:300]))
        try:
            return json.loads(data)
        except ValueError:
            raise BenchError("%s %s: not JSON: %r" % (method, path, data[:300]))

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def find_counts(stats):
    """The totals-by-status object in a GET /stats answer, wherever the server put it."""
    if isinstance(stats, dict):
        for key in ("counts", "jobs", "totals", "by_status", "status_counts", "statuses"):
            value = stats.get(key)
            if isinstance(value, dict) and isinstance(value.get("succeeded"), (int, float)):
                return value
        if isinstance(stats.get("succeeded"), (int, float)):
            return stats
        for value in stats.values():
            found = find_counts(value)
            if found is not None:
                return found
    return None


def job_counts(client):
    stats = client.json("GET", "/stats")
    counts = find_counts(stats)
    if counts is None:
        raise BenchError("GET /stats has no totals by status (no object with a number 'succeeded'): %s"
                         % json.dumps(stats)[:300])
    numbers = {k: v for k, v in counts.items() if isinstance(v, (int, float))}
    stored = sum(numbers.get(k, 0) for k in STATUSES)
    finished = sum(numbers.get(k, 0) for k in FINISHED)

    def counter(key, fallback):
        # monotonic counters since start, when the server has them: immune to pruning
        value = stats.get(key) if isinstance(stats, dict) else None
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else fallback

    return {
        "succeeded": numbers.get("succeeded", 0),
        "stored": stored,
        "total": counter("submitted_total", stored),
        "finished": counter("finished_total", finished),
        "raw": numbers,
    }


def job_list(answer):
    if isinstance(answer, list):
        return answer
    for key in ("jobs", "items", "data", "results"):
        if isinstance(answer.get(key), list):
            return answer[key]
    raise BenchError("GET /jobs: no list of jobs in %s" % json.dumps(answer)[:300])


def next_cursor(answer):
    if not isinstance(answer, dict):
        return None
    for key in ("next_cursor", "cursor", "next"):
        value = answer.get(key)
        if isinstance(value, (str, int)) and value != "":
            return str(value)
    return None


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100.0 * len(ordered)) - 1)]


def sample_latency(client, path, count, expect=200, check=None, method="GET", body=None):
    """`count` sequential requests over one keep-alive connection; latencies in ms."""
    latencies, bad = [], 0
    last = None
    for _ in range(count):
        t0 = time.perf_counter()
        status, _, data = client.request(method, path, body)
        latencies.append((time.perf_counter() - t0) * 1000.0)
        if status != expect:
            bad += 1
            last = "%d %s" % (status, data[:200])
    result = {
        "path": path,
        "requests": count,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "bad_answers": bad,
    }
    if last:
        result["last_bad_answer"] = last
    if check is not None and bad == 0:
        result.update(check(json.loads(data)))
    return result


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    kind = None
    has_stats = True

    def __init__(self, cfg, name):
        self.cfg = cfg
        self.name = name
        self.proc = None
        self.host = "127.0.0.1"
        self.port = None
        self.dir = tempfile.mkdtemp(prefix=name + "-", dir=cfg.workdir)
        self.out_path = os.path.join(self.dir, "stdout.log")
        self.err_path = os.path.join(self.dir, "stderr.log")

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def pid(self):
        return self.proc.pid

    def command(self):
        raise NotImplementedError

    def env(self):
        return dict(os.environ)

    def start(self, timeout=60.0):
        cmd = self.command()
        log("starting %s: %s" % (self.name, " ".join(cmd)))
        self.started_at = time.monotonic()
        self.err = open(self.err_path, "ab")
        self.proc = spawn(cmd, stdout=subprocess.PIPE, stderr=self.err, stdin=subprocess.DEVNULL,
                          env=self.env(), cwd=self.dir)
        ready = threading.Event()
        address = {}

        def reader():
            with open(self.out_path, "ab") as out:
                for line in self.proc.stdout:
                    out.write(line)
                    out.flush()
                    if not ready.is_set():
                        m = LISTEN_RE.search(line.decode("utf-8", "replace"))
                        if m:
                            address["host"], address["port"] = m.group(1), int(m.group(2))
                            ready.set()

        threading.Thread(target=reader, daemon=True).start()
        try:
            self.wait_ready(ready, address, timeout)
        except BaseException:
            self.stop(timeout=5)
            raise
        self.ready_after = time.monotonic() - self.started_at
        return self

    def wait_ready(self, ready, address, timeout):
        deadline = time.monotonic() + timeout
        while not ready.wait(0.05):
            if self.proc.poll() is not None:
                raise BenchError("%s exited with %s before listening%s" % (self.name, self.proc.returncode, self.tail()))
            if time.monotonic() > deadline:
                raise BenchError("%s did not print 'listening on' within %.0f s%s" % (self.name, timeout, self.tail()))
        host = address["host"].strip("[]")
        self.host = "127.0.0.1" if host in ("0.0.0.0", "localhost") else host
        self.port = address["port"]

    def tail(self, lines=15):
        text = ""
        for path in (self.out_path, self.err_path):
            try:
                with open(path, errors="replace") as f:
                    content = f.read().splitlines()[-lines:]
            except OSError:
                continue
            if content:
                text += "\n  --- %s:\n  " % path + "\n  ".join(content)
        return text

    def stop(self, timeout=60.0):
        if self.proc is None:
            return None
        t0 = time.monotonic()
        code = terminate(self.proc, signal.SIGTERM, timeout)
        self.stop_seconds = time.monotonic() - t0
        self.err.close()
        if code not in (0, -signal.SIGTERM):
            log("%s exited with %s%s" % (self.name, code, self.tail(5)))
        self.proc = None
        return code

    def memory(self):
        """Peak and current resident set size of the server process, in MB."""
        result = {}
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith(("VmHWM:", "VmRSS:")):
                        key, value = line.split(":")
                        result["peak_rss_mb" if key == "VmHWM" else "rss_mb"] = int(value.split()[0]) / 1024.0
        except OSError:
            pass
        return result

    def client(self):
        return Client(self.host, self.port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


class NginxServer(Server):
    kind = "nginx"
    has_stats = False

    def command(self):
        self.port = free_port()
        with open(os.path.join(HERE, "nginx.conf.in")) as f:
            conf = f.read().replace("@PREFIX@", self.dir).replace("@PORT@", str(self.port))
        path = os.path.join(self.dir, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        return [shutil.which("nginx") or "/usr/sbin/nginx", "-c", path, "-p", self.dir,
                "-e", os.path.join(self.dir, "error.log"), "-g", "daemon off;"]

    def wait_ready(self, ready, address, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                with open(os.path.join(self.dir, "error.log"), errors="replace") as f:
                    raise BenchError("nginx exited with %s: %s" % (self.proc.returncode, f.read()[-600:]))
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError("nginx does not accept connections on port %d" % self.port)
                time.sleep(0.05)


class BareQHttpServer(Server):
    """bare_qhttpserver.cpp: QHttpServer alone on its own thread, fixed JSON answers, no engine."""

    kind = "qhttpserver"
    has_stats = False

    def command(self):
        return [self.cfg.qhttpserver_binary, "--port", "0"]


class ReferenceServer(Server):
    kind = "aiohttp"

    def command(self):
        return [PYTHON, os.path.join(HERE, "reference_server.py"), "--port", "0",
                "--workers", str(self.cfg.ref_workers)]


class QueueLabServer(Server):
    def __init__(self, cfg, store, extra=(), gui=False, db=None, lag_report=None):
        super().__init__(cfg, "queuelab-" + store + ("-gui" if gui else ""))
        self.kind = store
        self.store = store
        self.extra = list(extra)
        self.gui = gui
        self.db = db or os.path.join(self.dir, "bench.db")
        self.lag_report = lag_report

    def command(self):
        cmd = [self.cfg.binary]
        if self.gui and self.cfg.gui_platform == "xvfb":
            cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", self.cfg.binary]
        if not self.gui:
            cmd.append("--headless")
        cmd += ["--port", "0", "--drain-timeout", "5"]
        cmd += ["--in-memory"] if self.store == "memory" else ["--db", self.db]
        return cmd + self.extra + self.cfg.queuelab_args

    def env(self):
        env = dict(os.environ)
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
            path = os.path.join(self.cfg.workdir, "xdg", var.lower())
            os.makedirs(path, mode=0o700, exist_ok=True)
            env[var] = path
        if self.gui:
            env["QT_QPA_PLATFORM"] = "offscreen" if self.cfg.gui_platform == "offscreen" else "xcb"
            if self.lag_report:
                env["QUEUELAB_LAG_REPORT"] = self.lag_report
        else:
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
        return env

    @property
    def pid(self):
        if self.gui and self.cfg.gui_platform == "xvfb":
            exe = os.path.realpath(self.cfg.binary)
            for pid in session_pids(self.proc.pid):
                try:
                    if os.path.realpath("/proc/%d/exe" % pid) == exe:
                        return pid
                except OSError:
                    pass
        return self.proc.pid

    def stop(self, timeout=60.0):
        if self.proc is not None and self.pid != self.proc.pid:
            try:
                os.kill(self.pid, signal.SIGTERM)  # the app, not xvfb-run
                self.proc.wait(timeout)
            except (OSError, subprocess.TimeoutExpired):
                pass
        return super().stop(timeout)


def make_server(cfg, kind, **kwargs):
    """The server of that kind; QueueLab options (extra, gui, db, lag_report) only apply to QueueLab."""
    if kind == "nginx":
        return NginxServer(cfg, "nginx")
    if kind == "aiohttp":
        return ReferenceServer(cfg, "aiohttp-reference")
    if kind == "qhttpserver":
        if not cfg.qhttpserver_ok:
            raise BenchError("no bare QHttpServer binary at %s" % cfg.qhttpserver_binary)
        return BareQHttpServer(cfg, "bare-qhttpserver")
    if not cfg.binary_ok:
        raise BenchError("no QueueLab binary at %s" % cfg.binary)
    return QueueLabServer(cfg, kind, **kwargs)


# --------------------------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------------------------
def wrk_command(cfg, url, script, threads, connections, duration):
    return ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % max(1, int(round(duration))),
            "--timeout", "10s", "-s", os.path.join(HERE, script), url]


def parse_wrk(output, cmd):
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON "):])
            break
    else:
        raise BenchError("no result from %s:\n%s" % (" ".join(cmd), output[-1000:]))
    seconds = data["duration_us"] / 1e6
    errors = data["errors"]
    ok = data["requests"] - errors["status"]
    lat = data["latency_us"]
    return {
        "requests": data["requests"],
        "seconds": seconds,
        "rps": ok / seconds,  # answered 2xx/3xx only
        "rps_all": data["requests"] / seconds,
        "non_2xx": errors["status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "errors": errors,
        "p50_ms": lat["p50"] / 1000.0,
        "p90_ms": lat["p90"] / 1000.0,
        "p99_ms": lat["p99"] / 1000.0,
        "max_ms": lat["max"] / 1000.0,
    }


def run_wrk(cfg, server, script, duration, threads=None, connections=None, env=None, path="/jobs"):
    threads = threads or cfg.threads
    connections = connections or cfg.connections
    cmd = wrk_command(cfg, server.url + path, script, threads, connections, duration)
    wrk_env = dict(os.environ, BENCH_THREADS=str(threads), **(env or {}))
    sids = [server.proc.pid]
    with CpuMeter(sids) as meter:
        proc = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=wrk_env)
        try:
            output = proc.communicate(timeout=duration + 60)[0].decode("utf-8", "replace")
        finally:
            terminate(proc, signal.SIGINT)
    result = parse_wrk(output, cmd)
    result["foreign_cpu_pct"] = meter.foreign_pct
    result["command"] = " ".join(cmd)
    return result


class CappedWrk:
    """wrk sending exactly `total` accepted requests (capped.lua); stopped with SIGINT."""

    def __init__(self, cfg, server, script, total, threads, connections, env=None, path="/jobs"):
        self.cmd = wrk_command(cfg, server.url + path, script, threads, connections, 24 * 3600)
        self.env = dict(os.environ, BENCH_THREADS=str(threads), BENCH_TOTAL=str(total), **(env or {}))

    def start(self):
        self.proc = spawn(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env)
        return self

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            output = self.proc.communicate(timeout=30)[0].decode("utf-8", "replace")
        finally:
            terminate(self.proc, signal.SIGINT)
        try:
            return parse_wrk(output, self.cmd)
        except BenchError as e:
            return {"error": str(e)}


def drain(server, timeout=120.0):
    """Wait until the server has no unfinished job (after a warm-up, for instance)."""
    if not server.has_stats:
        return
    client = server.client()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            counts = job_counts(client)
            if counts["finished"] >= counts["total"]:
                return
            time.sleep(0.1)
        log("%s still has unfinished jobs after %.0f s" % (server.name, timeout))
    finally:
        client.close()


def best_of(cfg, server, measure):
    """Run `measure` cfg.repeat times (draining in between); keep the median run by req/s."""
    runs = []
    for i in range(cfg.repeat):
        if i:
            drain(server)
        wait_idle(cfg, [server.proc.pid])
        runs.append(measure())
    runs.sort(key=lambda r: r["rps"])
    result = dict(runs[len(runs) // 2])
    if len(runs) > 1:
        result["all_rps"] = [r["rps"] for r in runs]
    return result


# --------------------------------------------------------------------------------------------
# Scenarios. POST and GET measure a WrkBench per server, taking turns (interleaved); the others
# take the server kind and return a dict of figures (or raise).
# --------------------------------------------------------------------------------------------
class WrkBench:
    """One wrk script against one server: started and warmed up once, then measured run by run."""

    script = None

    def __init__(self, cfg, kind, stack):
        self.cfg = cfg
        self.server = stack.enter_context(make_server(cfg, kind).start())
        self.env, self.path = None, "/jobs"
        self.prepare()
        if cfg.warmup > 0:
            run_wrk(cfg, self.server, self.script, cfg.warmup, env=self.env, path=self.path)

    def prepare(self):
        """Whatever the script needs on the server, before the warm-up."""

    def run(self):
        drain(self.server)  # the jobs of the warm-up or of the last round
        wait_idle(self.cfg, [self.server.proc.pid])
        return run_wrk(self.cfg, self.server, self.script, self.cfg.duration, env=self.env, path=self.path)


class PostBench(WrkBench):
    """POST /jobs with a small JSON body."""

    script = "post_job.lua"


class GetBench(WrkBench):
    """GET /jobs/{id} over 100 finished jobs in turn."""

    script = "get_job.lua"

    def prepare(self):
        ids = ["1"]
        if self.server.has_stats:
            client = self.server.client()
            ids = []
            for i in range(100):
                job = client.json("POST", "/jobs", {"type": "echo", "payload": {"n": i}}, expect=(202,))
                ids.append(str(job["id"]))
            client.close()
            drain(self.server, timeout=30)
        self.env, self.path = {"BENCH_IDS": ",".join(ids)}, "/jobs/" + ids[0]


def least_disturbed_run(cfg, bench):
    """One run; while other processes used more than cfg.foreign_limit % of the machine during
    it, run again up to cfg.retries times and keep the least disturbed attempt."""
    attempts = [bench.run()]
    while attempts[-1]["foreign_cpu_pct"] > cfg.foreign_limit and len(attempts) <= cfg.retries:
        log("  other processes used %.0f%% of the machine during that run: again (%d of %d)"
            % (attempts[-1]["foreign_cpu_pct"], len(attempts), cfg.retries))
        attempts.append(bench.run())
    best = dict(min(attempts, key=lambda a: a["foreign_cpu_pct"]))
    if len(attempts) > 1:
        best["attempts_foreign_cpu_pct"] = [a["foreign_cpu_pct"] for a in attempts]
    return best


def interleaved(cfg, scenario, kinds):
    """POST and GET, whose ratios are targets: every server is started and warmed up first, then
    each is measured once per round, in turn. The machine's speed drifts by up to ±20% over
    minutes (2-core VM); measured one server after another, that drift went into the ratios.
    Taking turns, all servers sample the same minutes. Each figure is the median of its rounds."""
    bench_class = {"post": PostBench, "get": GetBench}[scenario]
    results, benches = {}, {}
    with contextlib.ExitStack() as stack:
        for kind in kinds:
            log("%s / %s: starting and warming up" % (scenario, SERVER_LABELS[kind]))
            try:
                benches[kind] = bench_class(cfg, kind, stack)
            except BENCH_ERRORS as e:
                log("  !! %s" % error_text(e))
                results[kind] = {"error": error_text(e)}
        runs = {kind: [] for kind in benches}
        for round_number in range(1, cfg.repeat + 1):
            for kind in list(benches):
                try:
                    r = least_disturbed_run(cfg, benches[kind])
                except BENCH_ERRORS as e:
                    log("  !! %s / %s: %s" % (scenario, SERVER_LABELS[kind], error_text(e)))
                    results[kind] = {"error": error_text(e)}
                    del benches[kind]
                    continue
                runs[kind].append(r)
                log("  round %d of %d, %s: %s" % (round_number, cfg.repeat, SERVER_LABELS[kind], summary(scenario, r)))
        for kind, bench in benches.items():
            ordered = sorted(runs[kind], key=lambda r: r["rps"])
            result = dict(ordered[len(ordered) // 2])
            if len(ordered) > 1:
                result["all_rps"] = [r["rps"] for r in runs[kind]]  # in round order
            result.update(bench.server.memory())
            results[kind] = result
    return results


def poll_until(client, baseline, target, timeout, interval):
    """Poll GET /stats until `target` jobs (beyond `baseline`) are submitted and all succeeded or
    finished. Returns the monotonic times when all were stored and when all were finished."""
    stored_at = None
    deadline = time.monotonic() + timeout
    last_log = time.monotonic()
    while True:
        counts = job_counts(client)
        now = time.monotonic()
        total = counts["total"] - baseline["total"]
        finished = counts["finished"] - baseline["finished"]
        if stored_at is None and total >= target:
            stored_at = now
        if finished >= target:
            return stored_at or now, now, counts
        if now > deadline:
            raise BenchError("timeout after %.0f s: %d of %d jobs stored, %d finished (%s)"
                             % (timeout, total, target, finished, counts["raw"]))
        if now - last_log > 10:
            log("  %d of %d stored, %d finished" % (total, target, finished))
            last_log = now
        time.sleep(interval)


def scenario_e2e(cfg, kind):
    if kind in CEILINGS:
        return None
    n = cfg.e2e_jobs
    with make_server(cfg, kind).start() as server:
        client = server.client()
        baseline = job_counts(client)
        wait_idle(cfg, [server.proc.pid])
        with CpuMeter([server.proc.pid]) as meter:
            t0 = time.monotonic()
            wrk = CappedWrk(cfg, server, "post_job.lua", n, cfg.threads, cfg.connections).start()
            try:
                stored_at, done_at, counts = poll_until(client, baseline, n, cfg.e2e_timeout, 0.02)
            finally:
                load = wrk.stop()
        client.close()
        succeeded = counts["succeeded"] - baseline["succeeded"]
        return {
            "jobs": n,
            "seconds": done_at - t0,
            "jobs_per_s": n / (done_at - t0),
            "submitted_after_s": stored_at - t0,
            "submit_per_s": n / (stored_at - t0),
            "succeeded": succeeded,
            "non_2xx": load.get("non_2xx"),
            "socket_errors": load.get("socket_errors"),
            "foreign_cpu_pct": meter.foreign_pct,
            **server.memory(),
        }


WORKER_JOB_TYPE = "bench-noop"  # no built-in handler: only the external workers run it


def external_run(cfg, kind, batch):
    """Like scenario_e2e, with jobs of a declared type that cfg.worker_processes worker processes
    (bench_worker.py) lease through the HTTP worker API, `batch` per lease call, and complete."""
    n = cfg.e2e_jobs
    with make_server(cfg, kind, extra=["--job-type", WORKER_JOB_TYPE]).start() as server:
        client = server.client()
        baseline = job_counts(client)
        workers = [spawn([PYTHON, os.path.join(HERE, "bench_worker.py"), server.url, "bench-%d" % i, str(batch),
                          WORKER_JOB_TYPE], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                   for i in range(cfg.worker_processes)]
        try:
            wait_idle(cfg, [server.proc.pid] + [w.pid for w in workers])
            with CpuMeter([server.proc.pid] + [w.pid for w in workers]) as meter:
                t0 = time.monotonic()
                env = {"BENCH_BODY": '{"type":"%s","payload":{"n":1}}' % WORKER_JOB_TYPE}
                wrk = CappedWrk(cfg, server, "post_job.lua", n, cfg.threads, cfg.connections, env=env).start()
                try:
                    stored_at, done_at, counts = poll_until(client, baseline, n, cfg.e2e_timeout, 0.02)
                finally:
                    load = wrk.stop()
        finally:
            for w in workers:
                terminate(w)
        client.close()
        return {
            "jobs": n,
            "lease_batch": batch,
            "worker_processes": cfg.worker_processes,
            "seconds": done_at - t0,
            "jobs_per_s": n / (done_at - t0),
            "submitted_after_s": stored_at - t0,
            "succeeded": counts["succeeded"] - baseline["succeeded"],
            "non_2xx": load.get("non_2xx"),
            "socket_errors": load.get("socket_errors"),
            "foreign_cpu_pct": meter.foreign_pct,
            **server.memory(),
        }


def scenario_workers(cfg, kind):
    """End to end through the HTTP worker API: one lease call per job, then cfg.lease_batch per
    call. Its built-in counterpart is the e2e scenario of the same run."""
    if kind != "sqlite":
        return None
    single = external_run(cfg, kind, 1)
    batched = external_run(cfg, kind, cfg.lease_batch)
    return {"single": single, "batch": batched, "jobs_per_s": batched["jobs_per_s"],
            "foreign_cpu_pct": max(single["foreign_cpu_pct"], batched["foreign_cpu_pct"])}


def scenario_batch(cfg, kind):
    if kind in CEILINGS:
        return None
    extra = ["--max-queued", "100000000"] if kind in QUEUELAB else []
    with make_server(cfg, kind, extra=extra).start() as server:
        env = {"BENCH_BATCH": str(cfg.batch_size)}
        result = best_of(cfg, server, lambda: run_wrk(cfg, server, "batch.lua", cfg.duration,
                                                      connections=cfg.batch_connections, env=env,
                                                      path="/jobs/batch"))
        result["batch_size"] = cfg.batch_size
        result["jobs_per_s"] = result["rps"] * cfg.batch_size
        result["connections"] = cfg.batch_connections
        result.update(server.memory())
        return result


def rfc3339_ms(value):
    """A job's timestamp in ms since the epoch; 0 for null."""
    if not value:
        return 0
    return int(datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)


# The key of each sort as the server defines it (GET /jobs?sort=), ties by id.
SORT_KEYS = {
    "created": lambda j: int(j["id"]),
    "run_time": lambda j: max(0, rfc3339_ms(j.get("finished_at")) - rfc3339_ms(j.get("started_at"))),
    "attempts": lambda j: j.get("attempts", 0),
    "priority": lambda j: j.get("priority", 0),
    "due": lambda j: rfc3339_ms(j.get("run_at")),
}

# Find-the-job figures: name -> (query, what the page must hold). Search texts: "bench" is in
# every `fail` job's payload and error message, '"n":777}' in one echo job of each batch.
FIND_QUERIES = (
    ("search_common", "search=bench&limit=100"),
    ("search_rare", "search=%22n%22%3A777%7D&limit=100"),
    ("search_none", "search=no-such-text&limit=100"),
    ("search_sorted", "search=bench&sort=priority&limit=100"),
    ("error_code", "error_code=job_failed&limit=100"),
    ("error_code_sorted", "error_code=job_failed&sort=attempts&limit=100"),
    ("created_asc", "sort=created&order=asc&limit=100"),
    ("run_time_desc", "sort=run_time&order=desc&limit=100"),
    ("run_time_asc", "sort=run_time&order=asc&limit=100"),
    ("attempts_desc", "sort=attempts&order=desc&limit=100"),
    ("attempts_asc", "sort=attempts&order=asc&limit=100"),
    ("priority_desc", "sort=priority&order=desc&limit=100"),
    ("priority_asc", "sort=priority&order=asc&limit=100"),
    ("scheduled", "status=scheduled&sort=due&order=asc&limit=100"),
)


# Bulk actions by filter, counted first as the window asks before it acts: name -> (action, body).
BULK_COUNTS = (
    ("bulk_retry_count", "retry", {"error_code": "job_failed", "dry_run": True}),
    ("bulk_cancel_count", "cancel", {"status": "scheduled", "dry_run": True}),
    ("bulk_delete_count", "delete", {"status": "succeeded", "dry_run": True}),
)


def find_check(query):
    """What a find-the-job page must be: its jobs match and come in the query's order."""
    params = dict(p.split("=", 1) for p in query.split("&"))
    sort, asc = params.get("sort", "created"), params.get("order", "desc") == "asc"
    search = params.get("search")
    if search:
        search = urllib.parse.unquote(search).lower()

    def check(answer):
        jobs = job_list(answer)
        keys = [(SORT_KEYS[sort](j), int(j["id"])) for j in jobs]
        ordered = keys == sorted(keys, reverse=not asc)
        matching = True
        for j in jobs:
            if search is not None:
                text = json.dumps(j.get("payload"), separators=(",", ":")).lower()
                message = ((j.get("error") or {}).get("message") or "").lower()
                matching = matching and (search in text or search in message)
            if "error_code" in params:
                matching = matching and (j.get("error") or {}).get("code") == params["error_code"]
            if "status" in params:
                matching = matching and j.get("status") == params["status"]
        return {"returned": len(jobs), "all_match": matching, "ordered": ordered}
    return check


def scale_queries(cfg, server, count):
    client = server.client()
    out = {}

    def failed_check(answer):
        jobs = job_list(answer)
        return {"returned": len(jobs), "all_failed": all(j.get("status") == "failed" for j in jobs)}

    def status_check(status):
        return lambda answer: {"returned": len(job_list(answer)),
                               "all_match": all(j.get("status") == status for j in job_list(answer))}

    out["failed"] = sample_latency(client, "/jobs?status=failed&limit=100", count, check=failed_check)
    out["succeeded"] = sample_latency(client, "/jobs?status=succeeded&limit=100", count,
                                      check=status_check("succeeded"))
    out["list"] = sample_latency(client, "/jobs?limit=100", count,
                                 check=lambda a: {"returned": len(job_list(a))})
    # open one: GET /jobs/{id} over the ids of the first page of failed jobs
    page = client.json("GET", "/jobs?status=failed&limit=100")
    ids = [str(j["id"]) for j in job_list(page)]
    if ids:
        lat = []
        for i in range(count):
            t0 = time.perf_counter()
            status, _, _ = client.request("GET", "/jobs/" + ids[i % len(ids)])
            lat.append((time.perf_counter() - t0) * 1000.0)
            if status != 200:
                raise BenchError("GET /jobs/%s answered %d" % (ids[i % len(ids)], status))
        out["open"] = {"path": "/jobs/{id}", "requests": count, "p50_ms": percentile(lat, 50),
                       "p99_ms": percentile(lat, 99), "max_ms": max(lat)}
    # a deep page: follow the cursor of status=failed pages
    # (page cfg.deep_pages, or the last one when there are fewer)
    deepest, cursor, pages = None, next_cursor(page), 1
    while cursor and pages < cfg.deep_pages:
        deepest = cursor
        answer = client.json("GET", "/jobs?status=failed&limit=100&cursor=" + cursor)
        cursor, pages = next_cursor(answer), pages + 1
    if deepest:
        out["deep_page"] = sample_latency(client, "/jobs?status=failed&limit=100&cursor=" + deepest,
                                          max(50, count // 5))
        out["deep_page"]["page"] = pages
    for key, query in FIND_QUERIES:
        out[key] = sample_latency(client, "/jobs?" + query, count, check=find_check(query))
    for key, action, body in BULK_COUNTS:
        out[key] = sample_latency(client, "/jobs/bulk/" + action, count, method="POST", body=body,
                                  check=lambda answer: {"returned": answer.get("count")})
    # a deep page of a sort: its cursor carries the key, so the page is a range of one index
    page = client.json("GET", "/jobs?sort=priority&limit=100")
    deepest, cursor, pages = None, next_cursor(page), 1
    while cursor and pages < cfg.deep_pages:
        deepest = cursor
        answer = client.json("GET", "/jobs?sort=priority&limit=100&cursor=" + urllib.parse.quote(cursor))
        cursor, pages = next_cursor(answer), pages + 1
    if deepest:
        query = "sort=priority&limit=100&cursor=" + urllib.parse.quote(deepest)
        out["sorted_deep_page"] = sample_latency(client, "/jobs?" + query, max(50, count // 5),
                                                 check=find_check("sort=priority&limit=100"))
        out["sorted_deep_page"]["page"] = pages
    client.close()
    return out


def submit_scheduled(cfg, server, count):
    """`count` echo jobs due in an hour, for the scheduled list; returns how many were accepted."""
    client = server.client()
    done = 0
    while done < count:
        size = min(cfg.batch_size, count - done)
        # due times spread over the hour, so that the list's order is not the ids'
        jobs = [{"type": "echo", "delay_ms": 3600000 - ((done + i) * 7919) % 1800000} for i in range(size)]
        client.json("POST", "/jobs/batch", {"jobs": jobs})
        done += size
    client.close()
    return done


def check_scale_answers(queries, n, fail_every, batch_size=1000, scheduled=0):
    """A fast wrong answer must not pass: the pages must hold what was asked for."""
    failed = n // fail_every
    stored = n + scheduled
    expected = {"failed": min(100, failed), "succeeded": min(100, n - failed), "list": min(100, n)}
    expected.update({
        "search_common": min(100, failed), "search_rare": min(100, n // batch_size), "search_none": 0,
        "search_sorted": min(100, failed), "error_code": min(100, failed), "error_code_sorted": min(100, failed),
        "scheduled": min(100, scheduled), "sorted_deep_page": min(100, stored),
        "bulk_retry_count": failed, "bulk_cancel_count": scheduled, "bulk_delete_count": n - failed,
    })
    for key in ("created_asc", "run_time_desc", "run_time_asc", "attempts_desc", "attempts_asc",
                "priority_desc", "priority_asc"):
        expected[key] = min(100, stored)
    problems = []
    for key, want in expected.items():
        q = queries.get(key)
        if q is None:
            continue
        if q.get("bad_answers"):
            problem = "%s: %d answers not 200 (%s)" % (q["path"], q["bad_answers"], q.get("last_bad_answer", ""))
        elif (q.get("returned") != want or q.get("all_failed") is False or q.get("all_match") is False
              or q.get("ordered") is False):
            problem = "%s: returned %s jobs (expected %d)%s%s" % (
                q["path"], q.get("returned"), want,
                "" if q.get("all_failed", q.get("all_match", True)) else ", not all matching",
                "" if q.get("ordered", True) else ", out of order")
        else:
            continue
        q["valid"] = False
        problems.append(problem)
    if "open" not in queries:
        problems.append("GET /jobs/{id}: not measured (no job id in the status=failed page)")
    return problems


def scenario_scale(cfg, kind):
    if kind not in cfg.scale_stores:
        return None
    n = int(math.ceil(cfg.scale_jobs / cfg.batch_size)) * cfg.batch_size
    keep = str(max(2000000, 2 * n))
    extra = ["--keep-finished", keep, "--max-queued", str(max(10000000, 2 * n))]
    server = make_server(cfg, kind, extra=extra)
    result = {"jobs": n, "fail_share": 1.0 / cfg.fail_every}
    try:
        server.start()
        client = server.client()
        baseline = job_counts(client)
        wait_idle(cfg, [server.proc.pid])
        log("  submitting %d jobs in batches of %d" % (n, cfg.batch_size))
        with CpuMeter([server.proc.pid]) as meter:
            t0 = time.monotonic()
            wrk = CappedWrk(cfg, server, "batch.lua", n // cfg.batch_size, cfg.threads, cfg.scale_connections,
                            env={"BENCH_BATCH": str(cfg.batch_size), "BENCH_FAIL_EVERY": str(cfg.fail_every)},
                            path="/jobs/batch").start()
            try:
                stored_at, done_at, counts = poll_until(client, baseline, n, cfg.scale_timeout, 0.1)
            finally:
                load = wrk.stop()
        result["foreign_cpu_pct"] = meter.foreign_pct
        client.close()
        result.update({
            "stored_after_s": stored_at - t0,
            "stored_per_s": n / (stored_at - t0),
            "finished_after_s": done_at - t0,
            "finished_per_s": n / (done_at - t0),
            "counts": counts["raw"],
            "submit_non_2xx": load.get("non_2xx"),
            "memory_after_run": server.memory(),
        })
        log("  %d jobs stored after %.1f s, finished after %.1f s; %d scheduled jobs, then sampling queries"
            % (n, stored_at - t0, done_at - t0, cfg.scale_scheduled))
        result["scheduled"] = submit_scheduled(cfg, server, cfg.scale_scheduled)
        time.sleep(1.0)
        result["queries"] = scale_queries(cfg, server, cfg.queries)
        result["wrong_answers"] = check_scale_answers(result["queries"], n, cfg.fail_every, cfg.batch_size,
                                                      result["scheduled"])
        result.update(server.memory())
        if kind == "sqlite":
            # the same database after a restart: time until it listens again, and its memory
            server.stop(timeout=120)
            result["shutdown_s"] = server.stop_seconds
            again = make_server(cfg, kind, extra=extra, db=server.db)
            try:
                again.start(timeout=cfg.scale_timeout)
                result["restart_listen_s"] = again.ready_after
                client = again.client()
                t0 = time.perf_counter()
                client.json("GET", "/jobs?status=failed&limit=100")
                result["restart_first_query_ms"] = (time.perf_counter() - t0) * 1000.0
                counts = job_counts(client)
                result["restart_stored_jobs"] = counts["stored"]
                client.close()
                result["restart_memory"] = again.memory()
            finally:
                again.stop()
    finally:
        server.stop()
    return result


def scenario_gui(cfg, kind):
    if kind != "memory":
        return None
    report = os.path.join(cfg.workdir, "lag-report-%d.json" % os.getpid())
    if os.path.exists(report):
        os.remove(report)
    server = make_server(cfg, "memory", gui=True, lag_report=report)
    try:
        server.start()
        time.sleep(cfg.gui_settle)
        wait_idle(cfg, [server.proc.pid])
        load = run_wrk(cfg, server, "paced_post.lua", cfg.gui_seconds, connections=cfg.gui_connections,
                       env={"BENCH_RATE": str(cfg.gui_rate)})
        memory = server.memory()
        code = server.stop(timeout=30)
    finally:
        server.stop()
    result = {"rate_target": cfg.gui_rate, "rate": load["rps"], "non_2xx": load["non_2xx"],
              "foreign_cpu_pct": load["foreign_cpu_pct"],
              "post_p99_ms": load["p99_ms"], "exit_code": code, **memory}
    try:
        with open(report) as f:
            lag = json.load(f)
        result.update({"p50_ms": float(lag["p50_ms"]), "p99_ms": float(lag["p99_ms"]),
                       "lag_max_ms": lag.get("max_ms"), "samples": lag.get("samples")})
    except (OSError, ValueError, KeyError, TypeError) as e:
        why = "no lag report (QUEUELAB_LAG_REPORT) from the app"
        if code not in (0, None):
            why += ", which did not exit cleanly on SIGTERM (exit code %s%s)" % (
                code, ": killed after 30 s" if code == -signal.SIGKILL else "")
        result["note"] = "%s: %s" % (why, e)
    return result


def run_scenario(cfg, scenario, kind):
    """Run a scenario; while other processes used more than cfg.foreign_limit % of the machine
    during its measurement, run it again (fresh server) up to cfg.retries times and keep the
    least disturbed attempt. The scaling run is too long to repeat."""
    attempts = []
    for attempt in range(1 + (cfg.retries if scenario != "scale" else 0)):
        if attempt:
            log("  other processes used %.0f%% of the machine during that run: again (%d of %d)"
                % (attempts[-1]["foreign_cpu_pct"], attempt, cfg.retries))
        r = SCENARIOS[scenario](cfg, kind)
        if r is None or "foreign_cpu_pct" not in r:
            return r
        attempts.append(r)
        if r["foreign_cpu_pct"] <= cfg.foreign_limit:
            break
    best = min(attempts, key=lambda a: ("note" in a, a["foreign_cpu_pct"]))  # complete ones first
    if len(attempts) > 1:
        best["attempts_foreign_cpu_pct"] = [a["foreign_cpu_pct"] for a in attempts]
    return best


INTERLEAVED = ("post", "get")

SCENARIOS = {
    "e2e": scenario_e2e,
    "workers": scenario_workers,
    "batch": scenario_batch,
    "scale": scenario_scale,
    "gui": scenario_gui,
}


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def fmt_num(x, digits=0):
    return "n/a" if x is None else "{:,.{}f}".format(x, digits)


def fmt_ms(x):
    if x is None:
        return "n/a"
    return "%.2f" % x if x < 10 else "%.1f" % x


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


# The figures table's ratio columns: (header, numerator, denominator).
RATIO_COLUMNS = (
    ("in-mem ÷ aiohttp", "memory", "aiohttp"),
    ("SQLite ÷ aiohttp", "sqlite", "aiohttp"),
    ("in-mem ÷ QHttpServer", "memory", "qhttpserver"),
    ("SQLite ÷ QHttpServer", "sqlite", "qhttpserver"),
    ("in-mem ÷ nginx", "memory", "nginx"),
    ("SQLite ÷ nginx", "sqlite", "nginx"),
)


class Report:
    def __init__(self, cfg, results, interrupted=False):
        self.cfg = cfg
        self.interrupted = interrupted
        self.results = results  # results[scenario][kind] = dict | {"error": ...} | None
        self.extra_notes = []
        self.flagged = set()

    def get(self, scenario, kind, *keys):
        value = self.results.get(scenario, {}).get(kind)
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    def cell(self, scenario, kind, text):
        """Mark a figure measured while other processes were busy or with failed answers."""
        r = self.results.get(scenario, {}).get(kind)
        if not isinstance(r, dict):
            return "n/a"
        if "error" in r:
            return "error"
        marks = ""
        if (r.get("foreign_cpu_pct") or 0) > self.cfg.foreign_limit:
            marks += "*"
            self.flagged.add("*")
        if (r.get("non_2xx") or 0) > 0 or (r.get("socket_errors") or 0) > 0:
            marks += "!"
            self.flagged.add("!")
        return text + marks

    def figures_table(self):
        kinds = ALL_SERVERS
        rows = []
        d = self.cfg
        no_ratios = [""] * len(RATIO_COLUMNS)

        def throughput_row(label, scenario, key, ratios=True, digits=0):
            if scenario not in self.results:
                return
            vals = {k: self.get(scenario, k, key) for k in kinds}
            cells = [self.cell(scenario, k, fmt_num(vals[k], digits)) if vals[k] is not None
                     else self.cell(scenario, k, "n/a") for k in kinds]
            rs = [ratio(vals[a], vals[b]) for _, a, b in RATIO_COLUMNS]
            rcells = [("%.2f×" % r if r is not None else "") for r in rs] if ratios else no_ratios
            rows.append([label] + cells + rcells)

        def latency_row(label, scenario):
            if scenario not in self.results:
                return
            cells = []
            for k in kinds:
                p50, p99 = self.get(scenario, k, "p50_ms"), self.get(scenario, k, "p99_ms")
                cells.append(self.cell(scenario, k, "%s / %s" % (fmt_ms(p50), fmt_ms(p99))) if p99 is not None
                             else self.cell(scenario, k, "n/a"))
            rows.append([label] + cells + no_ratios)

        def ql_row(label, scenario, getter, kinds_=("memory", "sqlite")):
            if scenario not in self.results:
                return
            cells = []
            for k in kinds:
                if k not in kinds_:
                    cells.append("")
                    continue
                r = self.results.get(scenario, {}).get(k)
                if isinstance(r, dict) and "error" not in r:
                    try:
                        text = getter(r)
                    except (KeyError, TypeError):
                        text = None
                    cells.append(self.cell(scenario, k, text) if text is not None else "n/a")
                else:
                    cells.append(self.cell(scenario, k, "n/a"))
            rows.append([label] + cells + no_ratios)

        dur = "%ds" % d.duration
        throughput_row("POST /jobs, req/s (wrk -t%d -c%d -d%s)" % (d.threads, d.connections, dur), "post", "rps")
        latency_row("POST /jobs latency p50 / p99, ms", "post")
        throughput_row("GET /jobs/{id}, req/s (wrk -t%d -c%d -d%s)" % (d.threads, d.connections, dur), "get", "rps")
        latency_row("GET /jobs/{id} latency p50 / p99, ms", "get")
        throughput_row("end to end, %s no-op jobs: jobs/s" % fmt_num(d.e2e_jobs), "e2e", "jobs_per_s")
        ql_row("end to end: seconds to all 202s / to all finished", "e2e",
               lambda r: "%.2f / %.2f" % (r["submitted_after_s"], r["seconds"]), ("aiohttp", "memory", "sqlite"))
        ql_row("end to end through the HTTP worker API, %d worker processes: jobs/s, 1 / %d per lease"
               % (d.worker_processes, d.lease_batch), "workers",
               lambda r: "%s / %s" % (fmt_num(r["single"]["jobs_per_s"]), fmt_num(r["batch"]["jobs_per_s"])),
               ("sqlite",))
        throughput_row("POST /jobs/batch (%d jobs each, -c%d): jobs stored/s" % (d.batch_size, d.batch_connections),
                       "batch", "jobs_per_s")
        latency_row("POST /jobs/batch latency p50 / p99, ms", "batch")
        ql_row("peak RSS in the POST /jobs run, MB", "post", lambda r: fmt_num(r.get("peak_rss_mb")),
               ("aiohttp", "memory", "sqlite"))
        n = fmt_num(self.get("scale", "sqlite", "jobs") or self.get("scale", "memory", "jobs") or d.scale_jobs)
        ql_row("%s jobs via batch: stored after s (jobs/s)" % n, "scale",
               lambda r: "%.1f (%s)" % (r["stored_after_s"], fmt_num(r["stored_per_s"])))
        ql_row("%s jobs: all finished after s (jobs/s)" % n, "scale",
               lambda r: "%.1f (%s)" % (r["finished_after_s"], fmt_num(r["finished_per_s"])))
        ql_row("%s stored jobs: peak RSS, MB" % n, "scale", lambda r: fmt_num(r["peak_rss_mb"]))
        for key, label in (("failed", "GET /jobs?status=failed&limit=100"),
                           ("succeeded", "GET /jobs?status=succeeded&limit=100"),
                           ("list", "GET /jobs?limit=100"),
                           ("open", "GET /jobs/{id}"),
                           ("deep_page", "GET /jobs?status=failed, page %d by cursor" % d.deep_pages)) + tuple(
                              (key, "GET /jobs?" + query) for key, query in FIND_QUERIES) + (
                              ("sorted_deep_page", "GET /jobs?sort=priority, page %d by cursor" % d.deep_pages),) + tuple(
                              (key, "POST /jobs/bulk/%s %s" % (action, json.dumps(body, separators=(",", ":"))))
                              for key, action, body in BULK_COUNTS):
            ql_row("%s at %s jobs: p50 / p99 ms" % (label, n), "scale",
                   lambda r, key=key: "%s / %s%s" % (fmt_ms(r["queries"][key]["p50_ms"]),
                                                     fmt_ms(r["queries"][key]["p99_ms"]),
                                                     "" if r["queries"][key].get("valid", True) else " ✗"))
        ql_row("restart on %s stored jobs: s to listen, RSS MB" % n, "scale",
               lambda r: "%.2f s, %s MB" % (r["restart_listen_s"], fmt_num(r["restart_memory"].get("peak_rss_mb"))),
               ("sqlite",))
        ql_row("GUI timer lag p50 / p99, ms, at %s jobs/s (achieved)" % fmt_num(d.gui_rate), "gui",
               lambda r: ("%s / %s (%s/s)" % (fmt_ms(r["p50_ms"]), fmt_ms(r["p99_ms"]), fmt_num(r["rate"])))
               if "p99_ms" in r else "n/a (%s/s, no lag report)" % fmt_num(r["rate"]), ("memory",))

        header = ["scenario"] + [SERVER_LABELS[k] for k in kinds] + [h for h, _, _ in RATIO_COLUMNS]
        return markdown(header, rows)

    def targets(self):
        g = self.get
        n = g("scale", "sqlite", "jobs")
        at = " (at %s jobs)" % fmt_num(n) if n and n != 1000000 else ""
        gui_rate = g("gui", "memory", "rate")
        rows = []

        def ratio_row(label, a, b, what, need):
            r = ratio(a, b)
            measured = "%s vs %s" % (fmt_num(a), fmt_num(b)) if r is not None else "n/a"
            rows.append((label, measured + " " + what if r is not None else measured,
                         "%.2f×" % r if r is not None else "n/a", "≥ %g×" % need,
                         "n/a" if r is None else ("PASS" if r >= need else "FAIL")))

        def abs_row(label, value, text, need_text, ok):
            rows.append((label, text if value is not None else "n/a", "", need_text,
                         "n/a" if value is None else ("PASS" if ok(value) else "FAIL")))

        ratio_row("POST /jobs, in-memory, over the aiohttp reference", g("post", "memory", "rps"),
                  g("post", "aiohttp", "rps"), "req/s", 5)
        ratio_row("POST /jobs, SQLite store, over the aiohttp reference", g("post", "sqlite", "rps"),
                  g("post", "aiohttp", "rps"), "req/s", 4)
        ratio_row("POST /jobs, in-memory, over %s answering a fixed 202" % SERVER_LABELS["qhttpserver"],
                  g("post", "memory", "rps"), g("post", "qhttpserver", "rps"), "req/s", 0.8)
        ratio_row("end-to-end no-op jobs per second, SQLite store, over the aiohttp reference",
                  g("e2e", "sqlite", "jobs_per_s"), g("e2e", "aiohttp", "jobs_per_s"), "jobs/s", 4)
        ratio_row("external workers (HTTP worker API, %d per lease) over built-in workers, end to end, SQLite store"
                  % self.cfg.lease_batch, g("workers", "sqlite", "batch", "jobs_per_s"),
                  g("e2e", "sqlite", "jobs_per_s"), "jobs/s", 0.5)
        v = g("batch", "sqlite", "jobs_per_s")
        abs_row("jobs stored per second through POST /jobs/batch, SQLite store", v,
                "%s jobs/s" % fmt_num(v), "≥ 100,000 jobs/s", lambda x: x >= 100000)
        v = g("scale", "sqlite", "queries", "failed", "p99_ms")
        valid = g("scale", "sqlite", "queries", "failed", "valid") is not False
        abs_row("GET /jobs?status=failed&limit=100 with 1,000,000 stored jobs" + at, v,
                "p99 %s ms (p50 %s)%s" % (fmt_ms(v), fmt_ms(g("scale", "sqlite", "queries", "failed", "p50_ms")),
                                          "" if valid else ", wrong answers"),
                "p99 ≤ 20 ms", lambda x: x <= 20 and valid)
        for key, query in FIND_QUERIES:
            v = g("scale", "sqlite", "queries", key, "p99_ms")
            valid = g("scale", "sqlite", "queries", key, "valid") is not False
            abs_row("GET /jobs?%s with 1,000,000 stored jobs%s" % (query, at), v,
                    "p99 %s ms (p50 %s)%s" % (fmt_ms(v), fmt_ms(g("scale", "sqlite", "queries", key, "p50_ms")),
                                              "" if valid else ", wrong answers"),
                    "p99 ≤ 100 ms", lambda x, valid=valid: x <= 100 and valid)
        for key, action, body in BULK_COUNTS:
            v = g("scale", "sqlite", "queries", key, "p99_ms")
            valid = g("scale", "sqlite", "queries", key, "valid") is not False
            abs_row("POST /jobs/bulk/%s %s with 1,000,000 stored jobs%s"
                    % (action, json.dumps(body, separators=(",", ":")), at), v,
                    "p99 %s ms (p50 %s)%s" % (fmt_ms(v), fmt_ms(g("scale", "sqlite", "queries", key, "p50_ms")),
                                              "" if valid else ", wrong answers"),
                    "p99 ≤ 100 ms", lambda x, valid=valid: x <= 100 and valid)
        v = g("scale", "sqlite", "peak_rss_mb")
        abs_row("peak RSS with 1,000,000 stored finished jobs" + at, v, "%s MB" % fmt_num(v),
                "≤ 300 MB", lambda x: x <= 300)
        v = g("gui", "memory", "p99_ms")
        rate_ok = gui_rate is not None and gui_rate >= 0.95 * self.cfg.gui_rate
        abs_row("GUI thread timer lag at %s jobs per second" % fmt_num(self.cfg.gui_rate), v,
                "p99 %s ms (p50 %s) at %s jobs/s" % (fmt_ms(v), fmt_ms(g("gui", "memory", "p50_ms")), fmt_num(gui_rate)),
                "p99 ≤ 16 ms", lambda x: x <= 16 and rate_ok)
        if v is not None and not rate_ok:
            self.extra_notes.append("GUI run: the server took only %s of the %s jobs/s offered, so the lag "
                                    "target counts as failed." % (fmt_num(gui_rate), fmt_num(self.cfg.gui_rate)))
        return markdown(("target", "measured", "ratio", "required", "result"), rows)

    def footnotes(self):
        notes = list(self.extra_notes)
        if "*" in self.flagged:
            notes.append("`*` other processes used more than %g%% of the machine during that run: "
                         "treat the figure as approximate (see the JSON for the share)." % self.cfg.foreign_limit)
        for kind in ("sqlite", "memory"):
            for problem in self.get("scale", kind, "wrong_answers") or []:
                notes.append("`✗` scale / %s: %s" % (SERVER_LABELS[kind], problem[:300]))
        if "!" in self.flagged:
            notes.append("`!` some answers were not 2xx or sockets failed; only 2xx answers count in req/s.")
        nginx = self.get("post", "nginx", "rps")
        if nginx is not None and nginx < 60000:
            notes.append("nginx did fewer than 60,000 POST/s: the load generator or the machine may be the limit.")
        for scenario, by_kind in self.results.items():
            for kind, r in by_kind.items():
                if isinstance(r, dict) and "error" in r:
                    notes.append("%s / %s: %s" % (scenario, SERVER_LABELS[kind], r["error"].splitlines()[0][:300]))
                elif isinstance(r, dict) and "note" in r:
                    notes.append("%s / %s: %s" % (scenario, SERVER_LABELS[kind], r["note"][:300]))
        if self.interrupted:
            notes.append("The run was interrupted: figures not measured are n/a.")
        if not self.cfg.binary_ok:
            notes.append("QueueLab binary not found at %s: its rows are n/a." % self.cfg.binary)
        if not self.cfg.qhttpserver_ok:
            notes.append("bare QHttpServer binary not found at %s (the release build makes it): its rows are n/a."
                         % self.cfg.qhttpserver_binary)
        return notes


def markdown(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + list(rows)) for i in range(len(header))]
    lines = ["| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(lines)


def environment(cfg):
    def first_line(cmd, env=None):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, env=env)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            return None

    cpu = None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "wrk": first_line(["wrk", "--version"]),
        "nginx": first_line(["nginx", "-v"]),
        "aiohttp": first_line([PYTHON, "-c", "import aiohttp; print(aiohttp.__version__)"]),
        "python": first_line([PYTHON, "--version"]),
        "qhttpserver_binary": cfg.qhttpserver_binary,
        "qhttpserver_version": first_line([cfg.qhttpserver_binary, "--version"]) if cfg.qhttpserver_ok else None,
        "queuelab_binary": cfg.binary,
        "queuelab_version": first_line([cfg.binary, "--version"], dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        if cfg.binary_ok else None,
        "git": first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
    }
    return info


# --------------------------------------------------------------------------------------------
def parse_args(argv):
    p = argparse.ArgumentParser(
        description="QueueLab benchmark suite (see tests/benchmarks/README.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("binary", nargs="?", default=os.path.join(ROOT, "build", "release", "app", "queuelab"),
                   help="the release build's queuelab binary")
    p.add_argument("--qhttpserver-binary",
                   default=os.path.join(ROOT, "build", "release", "tests", "benchmarks", "bare_qhttpserver"),
                   help="the release build's bare QHttpServer reference (bare_qhttpserver.cpp)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 3 s runs, 20,000 jobs end to end, 100,000 stored jobs, 4 s GUI run")
    p.add_argument("--only", default=",".join(ALL_SCENARIOS),
                   help="scenarios to run, comma-separated: " + ",".join(ALL_SCENARIOS))
    p.add_argument("--servers", default=",".join(ALL_SERVERS),
                   help="servers to run, comma-separated: " + ",".join(ALL_SERVERS))
    p.add_argument("--duration", type=int, default=None, help="seconds per wrk run (default 10, quick 3)")
    p.add_argument("--warmup", type=int, default=None, help="seconds of wrk warm-up before a run (default 2, quick 1)")
    p.add_argument("--repeat", type=int, default=None,
                   help="runs per POST, GET and batch figure; the median is kept (default 3, quick 1: "
                        "runs on a 2-core VM differ by up to 20%%); POST and GET take turns, a round each")
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--connections", type=int, default=64, help="wrk connections for POST/GET and end to end")
    p.add_argument("--batch-size", type=int, default=1000, help="jobs per POST /jobs/batch")
    p.add_argument("--batch-connections", type=int, default=8, help="wrk connections for the batch scenario")
    p.add_argument("--e2e-jobs", type=int, default=None, help="jobs in the end-to-end run (default 50,000)")
    p.add_argument("--e2e-timeout", type=float, default=300)
    p.add_argument("--worker-processes", type=int, default=4, help="external worker processes in the workers run")
    p.add_argument("--lease-batch", type=int, default=100, help="jobs per lease call in the workers run's batched half")
    p.add_argument("--scale-jobs", type=int, default=None, help="stored jobs for scaling (default 1,000,000)")
    p.add_argument("--scale-stores", default="sqlite,memory", help="stores for the scaling run")
    p.add_argument("--scale-connections", type=int, default=4, help="wrk connections submitting batches")
    p.add_argument("--scale-timeout", type=float, default=1800)
    p.add_argument("--fail-every", type=int, default=10, help="every Nth job of the scaling run is a `fail` job")
    p.add_argument("--queries", type=int, default=None, help="requests per latency figure (default 1000)")
    p.add_argument("--deep-pages", type=int, default=50, help="cursor pages followed for the deep-page figures")
    p.add_argument("--scale-scheduled", type=int, default=None,
                   help="scheduled jobs added after the scaling run's jobs, for the scheduled list (default 10,000)")
    p.add_argument("--gui-rate", type=int, default=10000, help="jobs/s during the GUI lag run")
    p.add_argument("--gui-seconds", type=int, default=None, help="seconds of load in the GUI run (default 10)")
    p.add_argument("--gui-connections", type=int, default=32)
    p.add_argument("--gui-settle", type=float, default=2.0, help="seconds between window start and load")
    p.add_argument("--gui-platform", choices=("offscreen", "xvfb"), default="offscreen")
    p.add_argument("--ref-workers", type=int, default=4, help="worker tasks of the aiohttp reference")
    p.add_argument("--queuelab-args", default="", help="extra arguments for every QueueLab start")
    p.add_argument("--idle-wait", type=float, default=30,
                   help="seconds to wait for a quiet machine before each run (0: don't)")
    p.add_argument("--idle-threshold", type=float, default=10, help="%% of the machine others may use to count as quiet")
    p.add_argument("--foreign-limit", type=float, default=5,
                   help="flag figures measured while others used more than this %% of the machine")
    p.add_argument("--retries", type=int, default=2,
                   help="runs again of a figure disturbed by other processes (fresh server, except for POST and "
                        "GET); the least disturbed is kept")
    p.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    p.add_argument("--workdir", default=None, help="where databases and logs go (default: a new temp dir)")
    p.add_argument("--keep-workdir", action="store_true")
    cfg = p.parse_args(argv)
    q = cfg.quick
    cfg.duration = cfg.duration or (3 if q else 10)
    cfg.warmup = cfg.warmup if cfg.warmup is not None else (1 if q else 2)
    cfg.repeat = cfg.repeat or (1 if q else 3)
    cfg.e2e_jobs = cfg.e2e_jobs or (20000 if q else 50000)
    cfg.scale_jobs = cfg.scale_jobs or (100000 if q else 1000000)
    cfg.queries = cfg.queries or (200 if q else 1000)
    cfg.scale_scheduled = cfg.scale_scheduled if cfg.scale_scheduled is not None else (1000 if q else 10000)
    cfg.gui_seconds = cfg.gui_seconds or (4 if q else 10)
    cfg.only = [s for s in cfg.only.split(",") if s]
    cfg.servers = [s for s in cfg.servers.split(",") if s]
    cfg.scale_stores = [s for s in cfg.scale_stores.split(",") if s]
    for s in cfg.only:
        if s not in ALL_SCENARIOS:
            p.error("unknown scenario %r" % s)
    for s in cfg.servers + cfg.scale_stores:
        if s not in ALL_SERVERS:
            p.error("unknown server %r" % s)
    cfg.binary = os.path.abspath(cfg.binary)
    cfg.binary_ok = os.path.isfile(cfg.binary) and os.access(cfg.binary, os.X_OK)
    cfg.qhttpserver_binary = os.path.abspath(cfg.qhttpserver_binary)
    cfg.qhttpserver_ok = os.path.isfile(cfg.qhttpserver_binary) and os.access(cfg.qhttpserver_binary, os.X_OK)
    cfg.queuelab_args = cfg.queuelab_args.split()
    return cfg


def bare_qhttpserver_qt_version(cfg):
    """The Qt version the bare QHttpServer runs on ("bare_qhttpserver 6.4.2" from --version)."""
    try:
        out = subprocess.run([cfg.qhttpserver_binary, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+\.\d+\.\d+)", out.stdout)
    return m.group(1) if m else None


def main(argv):
    cfg = parse_args(argv)
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            sys.exit("missing %s: install Debian's wrk, nginx-light and python3-aiohttp (run.sh does)" % tool)
    own_workdir = cfg.workdir is None
    cfg.workdir = os.path.abspath(cfg.workdir or tempfile.mkdtemp(prefix="queuelab-bench-"))
    os.makedirs(cfg.workdir, exist_ok=True)
    atexit.register(stop_everything)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _on_signal)
    if not cfg.binary_ok:
        log("no QueueLab binary at %s: QueueLab rows will be n/a" % cfg.binary)
    if cfg.qhttpserver_ok:
        qt = bare_qhttpserver_qt_version(cfg)
        if qt:
            SERVER_LABELS["qhttpserver"] += " " + qt
    else:
        log("no bare QHttpServer binary at %s: its rows will be n/a" % cfg.qhttpserver_binary)

    results = {s: {} for s in cfg.only}
    started = time.time()
    interrupted = False
    try:
        for scenario in cfg.only:
            kinds = [k for k in cfg.servers if (cfg.binary_ok or k not in QUEUELAB)
                     and (cfg.qhttpserver_ok or k != "qhttpserver")]
            if scenario in INTERLEAVED:
                results[scenario] = interleaved(cfg, scenario, kinds)
                for kind, r in results[scenario].items():
                    if "error" not in r:
                        log("%s / %s -> %s" % (scenario, SERVER_LABELS[kind], summary(scenario, r)))
                continue
            for kind in kinds:
                try:
                    log("%s / %s" % (scenario, SERVER_LABELS[kind]))
                    r = run_scenario(cfg, scenario, kind)
                    if r is not None:
                        results[scenario][kind] = r
                        log("  -> " + summary(scenario, r))
                except BENCH_ERRORS as e:
                    log("  !! %s" % error_text(e))
                    results[scenario][kind] = {"error": error_text(e)}
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: stopping everything and reporting what was measured")
    finally:
        stop_everything()

    report = Report(cfg, results, interrupted)
    figures = report.figures_table()
    targets = report.targets()
    notes = report.footnotes()
    text = "## QueueLab benchmarks\n\n%s\n\n### Targets\n\n%s\n" % (figures, targets)
    if notes:
        text += "\n" + "\n".join("- " + n for n in notes) + "\n"
    print(text)

    os.makedirs(cfg.results_dir, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = os.path.join(cfg.results_dir, "bench-" + stamp + ("-quick" if cfg.quick else ""))
    env = environment(cfg)
    with open(base + ".md", "w") as f:
        f.write(text + "\n" + "\n".join("- %s: %s" % kv for kv in env.items()) + "\n")
    raw = {"environment": env, "config": {k: v for k, v in vars(cfg).items()},
           "seconds": time.time() - started, "interrupted": interrupted, "results": results}
    with open(base + ".json", "w") as f:
        json.dump(raw, f, indent=1, default=str)
    log("results: %s.md, %s.json" % (base, base))
    if own_workdir and not cfg.keep_workdir:
        shutil.rmtree(cfg.workdir, ignore_errors=True)
    else:
        log("work dir kept: %s" % cfg.workdir)
    return 130 if interrupted else 0


def summary(scenario, r):
    if "rps" in r and "jobs_per_s" not in r:
        return "%s req/s, p50 %s ms, p99 %s ms%s" % (fmt_num(r["rps"]), fmt_ms(r["p50_ms"]), fmt_ms(r["p99_ms"]),
                                                     ", %d non-2xx" % r["non_2xx"] if r.get("non_2xx") else "")
    if "jobs_per_s" in r:
        return "%s jobs/s" % fmt_num(r["jobs_per_s"])
    if scenario == "scale":
        return "peak RSS %s MB, failed-list p99 %s ms" % (fmt_num(r.get("peak_rss_mb")),
                                                          fmt_ms(r.get("queries", {}).get("failed", {}).get("p99_ms")))
    if scenario == "gui":
        return "lag p99 %s ms at %s jobs/s" % (fmt_ms(r.get("p99_ms")), fmt_num(r.get("rate")))
    return json.dumps(r, default=str)[:200]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
