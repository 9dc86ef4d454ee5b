#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds QueueLab with assertions on and runs every test.
# QUEUELAB_WERROR=ON makes every compiler warning an error (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake --preset dev -DCMAKE_COMPILE_WARNING_AS_ERROR="${QUEUELAB_WERROR:-OFF}" >/dev/null
cmake --build --preset dev
ctest --preset dev "$@"
