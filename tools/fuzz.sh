#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for SECONDS (default 60)
# from the committed seed corpora. Any crash fails the run and leaves its input in build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
QUEUELAB_EXTRA_PACKAGES="clang libclang-rt-14-dev" tools/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target fuzz_requestframer fuzz_jobspec
run() {
    local target=$1 seeds=$2
    shift 2
    local work="build/fuzz/corpus-$target"
    mkdir -p "$work"
    echo "fuzzing $target for ${seconds}s"
    (cd build/fuzz && "tests/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 "$@" \
        "../../$work" "../../$seeds" 2>&1 | tail -n 12)
}
run fuzz_requestframer tests/fuzz/corpus -dict=../../tests/fuzz/http.dict
run fuzz_jobspec tests/fuzz/corpus-jobspec -dict=../../tests/fuzz/jobspec.dict
