#!/usr/bin/env bash
# Faktory benchmark: end-to-end no-op jobs/s, QueueLab (SQLite store) through the npm client
# faktory-worker against BullMQ on Debian's redis-server, same Node worker shape and concurrency,
# in one run, at each durability (Redis without persistence, and with an append-only file
# against QueueLab's --sync normal and --sync full); then PUSHB throughput of 1,000-job batches,
# and the same worker against a stub that answers every command at once (stub-server.js): the
# client library's own ceiling.
#   tests/benchmarks/faktory/run.sh [path/to/queuelab] [JOBS] [CONCURRENCY]
# Needs redis-server (QUEUELAB_EXTRA_PACKAGES=redis-server tools/install-deps.sh: benchmarks only,
# never the tests) and node/npm; installs the pinned npm packages into build/faktory-bench.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
binary="${1:-$root/build/release/app/queuelab}"
jobs="${2:-20000}"
concurrency="${3:-20}"
command -v redis-server >/dev/null || { echo "redis-server is missing: QUEUELAB_EXTRA_PACKAGES=redis-server tools/install-deps.sh" >&2; exit 2; }

modules="$root/build/faktory-bench"
mkdir -p "$modules"
if ! cmp -s "$here/package-lock.json" "$modules/package-lock.json"; then
    cp "$here/package.json" "$here/package-lock.json" "$modules/"
    (cd "$modules" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
fi
export NODE_PATH="$modules/node_modules"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The peer three ways: as the target names it (no persistence), and at each of QueueLab's two
# durabilities: an append-only file written to the OS after each command (a killed server loses
# nothing, like --sync normal) and one fsync'ed after each write (like --sync full).
bullmq_on() { # NAME REDIS-ARGS...
    local name=$1 port
    shift
    port="$(free_port)"
    mkdir -p "$work/$name"
    redis-server --port "$port" --save '' --dir "$work/$name" "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    REDIS_PORT="$port" node "$here/bench.js" bullmq "$jobs" "$concurrency"
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
}

# QueueLab with a fresh SQLite file and the given flags; sets FAKTORY_URL.
start_queuelab() { # NAME FLAGS...
    local name=$1
    shift
    "$binary" --headless --port 0 --db "$work/$name.db" --faktory-port 0 --job-type noop "$@" >"$work/$name.out" 2>&1 &
    queuelab_pid=$!
    pids+=($queuelab_pid)
    for _ in $(seq 100); do
        grep -q '^faktory listening on' "$work/$name.out" && break
        sleep 0.1
    done
    FAKTORY_URL="$(sed -n 's/^faktory listening on //p' "$work/$name.out")"
    [[ -n $FAKTORY_URL ]] || { cat "$work/$name.out" >&2; exit 1; }
    export FAKTORY_URL
}
stop_queuelab() { kill "$queuelab_pid" && wait "$queuelab_pid" 2>/dev/null || true; }

echo "machine: $(nproc) cores, $(uname -srm); binary: $binary; commit: $(git -C "$root" rev-parse --short HEAD)"
start_queuelab normal
queuelab="$(node "$here/bench.js" faktory "$jobs" "$concurrency")"
pushb="$(node "$here/bench.js" pushb 20)"
stop_queuelab
start_queuelab full --sync full
queuelab_full="$(node "$here/bench.js" faktory "$jobs" "$concurrency")"
stop_queuelab
bullmq="$(bullmq_on memory --appendonly no)"
bullmq_aof="$(bullmq_on aof --appendonly yes --appendfsync no)"
bullmq_fsync="$(bullmq_on fsync --appendonly yes --appendfsync always)"
node "$here/stub-server.js" >"$work/stub.out" &
pids+=($!)
for _ in $(seq 100); do
    [[ -s $work/stub.out ]] && break
    sleep 0.1
done
stub="$(FAKTORY_URL="$(cat "$work/stub.out")" node "$here/bench.js" faktory "$jobs" "$concurrency")"
printf '%s\n' "$queuelab" "$queuelab_full" "$bullmq" "$bullmq_aof" "$bullmq_fsync" "$pushb" "$stub"
python3 - "$queuelab" "$queuelab_full" "$bullmq" "$bullmq_aof" "$bullmq_fsync" "$pushb" "$stub" <<'PY'
import json, sys
q, qf, b, ba, bf, p, s = (json.loads(a) for a in sys.argv[1:])
print(f"| QueueLab via faktory-worker (SQLite, --sync normal) | {q['jobsPerSec']} jobs/s |")
print(f"| BullMQ on redis-server (no persistence) | {b['jobsPerSec']} jobs/s |")
print(f"| ratio (target >= 1.0) | {q['jobsPerSec'] / b['jobsPerSec']:.2f} |")
print(f"| BullMQ, Redis append-only file written after each command (appendfsync no) | {ba['jobsPerSec']} jobs/s |")
print(f"| QueueLab --sync normal over it (a killed server loses nothing on either) | {q['jobsPerSec'] / ba['jobsPerSec']:.2f} |")
print(f"| QueueLab via faktory-worker (SQLite, --sync full) | {qf['jobsPerSec']} jobs/s |")
print(f"| BullMQ, Redis append-only file fsync'ed (appendfsync always) | {bf['jobsPerSec']} jobs/s |")
print(f"| QueueLab --sync full over it (a power loss loses nothing on either) | {qf['jobsPerSec'] / bf['jobsPerSec']:.2f} |")
print(f"| PUSHB of 1,000 jobs (median of {p['batches']}) | {p['medianJobsPerSec']} jobs/s (best {p['bestJobsPerSec']}) |")
print(f"| faktory-worker against a stub answering at once (the client's ceiling) | {s['jobsPerSec']} jobs/s |")
print(f"| that ceiling over BullMQ | {s['jobsPerSec'] / b['jobsPerSec']:.2f} |")
PY
