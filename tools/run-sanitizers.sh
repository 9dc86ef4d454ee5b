#!/usr/bin/env bash
# Builds and runs the tests under sanitizers: every suite with AddressSanitizer and
# UndefinedBehaviorSanitizer (the asan preset), then the engine, store and HTTP suites with
# ThreadSanitizer (the tsan preset; its build and test presets list them). Arguments go on to
# both ctest runs. Set QUEUELAB_SANITIZERS=asan or =tsan for one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
for preset in ${QUEUELAB_SANITIZERS:-asan tsan}; do
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"
    ctest --preset "$preset" "$@"
done
