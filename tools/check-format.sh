#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (the repository's .clang-format)
# makes of it, and shows the difference. Fix with: clang-format -i <files>.
set -euo pipefail
cd "$(dirname "$0")/.."
QUEUELAB_EXTRA_PACKAGES="clang-format" tools/install-deps.sh
mapfile -d '' files < <(git ls-files -z '*.cpp' '*.h')
if clang-format --style=file --dry-run --Werror "${files[@]}" 2>/dev/null; then
    echo "clang-format: ${#files[@]} files formatted"
    exit 0
fi
for file in "${files[@]}"; do
    clang-format --style=file "$file" | diff -u --label "$file" --label "$file (clang-format)" "$file" - || true
done
echo "clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -1): the files above are not formatted" >&2
exit 1
