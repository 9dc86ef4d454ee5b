#!/usr/bin/env bash
# Renders the dashboard under load into docs/screenshot.png (the README shows it).
#
#   tools/screenshot.sh [OUTPUT.png]
#
# Starts `queuelab` (QUEUELAB_BINARY, or build/dev/app/queuelab) on a free port with an in-memory
# store and fresh settings, feeds it a mix of jobs over HTTP with curl, and lets the window grab
# itself after SCREENSHOT_DELAY_MS (default 12000) through the QUEUELAB_SCREENSHOT hook. Renders
# on the offscreen platform; set SCREENSHOT_XVFB=1 to use xvfb-run and a real X server instead.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
binary=${QUEUELAB_BINARY:-$root/build/dev/app/queuelab}
output=$(realpath -m "${1:-$root/docs/screenshot.png}")
delay_ms=${SCREENSHOT_DELAY_MS:-12000}
[ -x "$binary" ] || { echo "screenshot: no queuelab binary at $binary (set QUEUELAB_BINARY)" >&2; exit 1; }
command -v curl >/dev/null || { echo "screenshot: curl is needed" >&2; exit 1; }

work=$(mktemp -d)
app_pid=
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

rm -f "$output"
# Fresh settings, so the window opens with its default size and layout.
export XDG_CONFIG_HOME=$work/config
export QUEUELAB_SCREENSHOT=$output QUEUELAB_SCREENSHOT_DELAY_MS=$delay_ms
run=("$binary" --in-memory --port 0 --workers 6)
if [ "${SCREENSHOT_XVFB:-0}" = 1 ]; then
    run=(xvfb-run -a -s "-screen 0 1600x1000x24" "${run[@]}")
else
    export QT_QPA_PLATFORM=offscreen
fi
"${run[@]}" >"$work/stdout" 2>"$work/stderr" &
app_pid=$!

url=
for _ in $(seq 100); do
    url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/stdout" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$app_pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "screenshot: queuelab did not print its URL" >&2; exit 1; }
echo "screenshot: $url, capturing in $((delay_ms / 1000)) s"

post() { curl -s -o /dev/null -X POST "$url$1" -H 'Content-Type: application/json' -d "$2" || true; }
get() { curl -s -o /dev/null "$url$1" || true; }

# One batch of a realistic mix: sleeps of various lengths (progress bars), CPU work, failures with
# retries, a few delayed jobs, on three queues.
batch() {
    local jobs= i
    for i in $(seq 1 24); do
        jobs+="{\"type\":\"sleep\",\"queue\":\"default\",\"payload\":{\"ms\":$((800 + RANDOM % 4000))}},"
    done
    for i in $(seq 1 6); do
        jobs+="{\"type\":\"compute\",\"queue\":\"reports\",\"priority\":5,\"payload\":{\"iterations\":$((20000 + RANDOM % 60000))}},"
    done
    for i in $(seq 1 3); do
        jobs+="{\"type\":\"fail\",\"queue\":\"emails\",\"max_attempts\":2,\"payload\":{\"message\":\"SMTP server refused the connection\",\"after_ms\":300}},"
    done
    jobs+="{\"type\":\"echo\",\"queue\":\"emails\",\"delay_ms\":60000,\"payload\":{\"to\":\"ops@example.com\"}}"
    post /jobs/batch "{\"jobs\":[$jobs]}"
}

# A binary without the QUEUELAB_SCREENSHOT hook would never exit: give up well after the delay.
deadline=$((SECONDS + delay_ms / 1000 + 30))
while kill -0 "$app_pid" 2>/dev/null; do
    if [ "$SECONDS" -gt "$deadline" ]; then
        echo "screenshot: queuelab did not exit; does it install ScreenshotHook::installFromEnvironment()?" >&2
        exit 1
    fi
    batch
    post /jobs '{"type":"echo","payload":{"hello":"world"}}'
    get /stats
    get /jobs?limit=5
    get /jobs/1
    get /health
    sleep 1
done
wait "$app_pid" || true
app_pid=

[ -s "$output" ] || { echo "screenshot: no image was written" >&2; cat "$work/stderr" >&2; exit 1; }
echo "screenshot: wrote $output"
