#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds QueueLab (release) and starts it. Extra arguments
# go to queuelab, e.g. `tools/run-app.sh --headless --port 9000`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/app/queuelab "$@"
