#!/usr/bin/env bash
# Installs the Debian 12 packages QueueLab needs to build, run and test. Safe to run again.
set -euo pipefail

packages=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-charts-dev libgl-dev
    libsqlite3-dev # the job store's database, through SQLite's C API
    qt6-websockets-dev # Qt6HttpServerConfig.cmake requires it, but the package does not depend on it
    libqt6opengl6-dev # Qt6ChartsConfig.cmake requires Qt6OpenGL; qt6-base-dev only recommends it
    qt6-qpa-plugins # the offscreen platform for headless GUI tests
    libqt6svg6 # the SVG icon engine for the application icon
    xvfb xauth # screenshots and GUI runs without a display
    help2man librsvg2-bin # the manual page from --help, the PNG icons from the SVG
    dpkg-dev file # cpack's .deb: dpkg-shlibdeps computes the dependencies of the files it finds
)
# Node and npm run the Faktory conformance suite (the npm client); a machine that has a Node of
# its own keeps it, since Debian's npm package conflicts with other Node builds' npm.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    packages+=(nodejs npm)
fi
if [ "${QUEUELAB_EXTRA_PACKAGES:-}" ]; then
    read -r -a extra <<<"$QUEUELAB_EXTRA_PACKAGES"
    packages+=("${extra[@]}")
fi

missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
