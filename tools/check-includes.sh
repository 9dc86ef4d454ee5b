#!/usr/bin/env bash
# Fails when a file in ui/ includes a quoted header that is neither a ui/ file nor one of the
# engine's public headers (server/*.h, its top level only): the dashboard uses the public API, so
# that the engine's internals can change without it. ctest runs it as check_includes.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
checked=0
while IFS= read -r -d '' file; do
    while IFS=: read -r line header; do
        checked=$((checked + 1))
        if [[ "$header" != */* && (-f "ui/$header" || ("$header" == *.h && -f "server/$header")) ]]; then
            continue
        fi
        echo "$file:$line: includes \"$header\", which is neither a ui/ file nor a public header at the top of server/" >&2
        status=1
    done < <(grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
        sed -E 's/^([0-9]+):[^"]*"([^"]+)".*/\1:\2/')
done < <(find ui -type f \( -name '*.cpp' -o -name '*.h' \) -print0 | sort -z)
if [[ $status -eq 0 ]]; then
    echo "check-includes: $checked quoted includes in ui/ reach only ui/ and server/*.h"
fi
exit $status
