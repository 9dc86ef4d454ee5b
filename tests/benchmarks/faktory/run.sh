#!/usr/bin/env bash
# Faktory benchmark: end-to-end no-op jobs/s, QueueLab (SQLite store) through the npm client
# faktory-worker against BullMQ on Debian's redis-server, same Node worker shape and concurrency,
# in one run; then PUSHB throughput of 1,000-job batches, and the same worker against a stub that
# answers every command at once (stub-server.js): the client library's own ceiling.
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
cleanup() {
    [[ -n ${queuelab_pid:-} ]] && kill "$queuelab_pid" 2>/dev/null && wait "$queuelab_pid" 2>/dev/null
    [[ -n ${redis_pid:-} ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    [[ -n ${stub_pid:-} ]] && kill "$stub_pid" 2>/dev/null && wait "$stub_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

redis_port="$(free_port)"
redis-server --port "$redis_port" --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!

"$binary" --headless --port 0 --db "$work/queuelab.db" --faktory-port 0 --job-type noop >"$work/queuelab.out" 2>&1 &
queuelab_pid=$!
for _ in $(seq 100); do
    grep -q '^faktory listening on' "$work/queuelab.out" && break
    sleep 0.1
done
export FAKTORY_URL="$(sed -n 's/^faktory listening on //p' "$work/queuelab.out")"
[[ -n $FAKTORY_URL ]] || { cat "$work/queuelab.out" >&2; exit 1; }
export REDIS_PORT="$redis_port"

echo "machine: $(nproc) cores, $(uname -srm); binary: $binary; commit: $(git -C "$root" rev-parse --short HEAD)"
queuelab="$(node "$here/bench.js" faktory "$jobs" "$concurrency")"
bullmq="$(node "$here/bench.js" bullmq "$jobs" "$concurrency")"
pushb="$(node "$here/bench.js" pushb 20)"
node "$here/stub-server.js" >"$work/stub.out" &
stub_pid=$!
for _ in $(seq 100); do
    [[ -s $work/stub.out ]] && break
    sleep 0.1
done
stub="$(FAKTORY_URL="$(cat "$work/stub.out")" node "$here/bench.js" faktory "$jobs" "$concurrency")"
echo "$queuelab"
echo "$bullmq"
echo "$pushb"
echo "$stub"
python3 - "$queuelab" "$bullmq" "$pushb" "$stub" <<'PY'
import json, sys
q, b, p, s = (json.loads(a) for a in sys.argv[1:])
print(f"| QueueLab via faktory-worker | {q['jobsPerSec']} jobs/s |")
print(f"| BullMQ on redis-server | {b['jobsPerSec']} jobs/s |")
print(f"| ratio (target >= 1.0) | {q['jobsPerSec'] / b['jobsPerSec']:.2f} |")
print(f"| PUSHB of 1,000 jobs (median of {p['batches']}) | {p['medianJobsPerSec']} jobs/s (best {p['bestJobsPerSec']}) |")
print(f"| faktory-worker against a stub answering at once (the client's ceiling) | {s['jobsPerSec']} jobs/s |")
print(f"| that ceiling over BullMQ | {s['jobsPerSec'] / b['jobsPerSec']:.2f} |")
PY
