#!/usr/bin/env bash
# QueueLab benchmark suite: the one command.
#   tests/benchmarks/run.sh [path/to/queuelab] [options]      (default binary: build/release/app/queuelab)
#   tests/benchmarks/run.sh --quick                           (smoke run: short runs, 100,000 stored jobs)
#   tests/benchmarks/run.sh --help                            (all options)
# Installs Debian's wrk, nginx-light and python3-aiohttp when missing (as root), then runs bench.py
# with Debian's Python, which has python3-aiohttp.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."

missing=()
for pkg in wrk nginx-light python3-aiohttp; do
    dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
        exit 2
    fi
    echo "installing ${missing[*]}" >&2
    # policy-rc.d 101: don't let the nginx package start its system service on port 80
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
    fi
    trap '[[ $created_policy -eq 1 ]] && rm -f "$policy"' EXIT
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" ||
        { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }
    [[ $created_policy -eq 1 ]] && rm -f "$policy"
    trap - EXIT
fi

exec /usr/bin/python3 "$here/bench.py" "$@"
