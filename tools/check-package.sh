#!/usr/bin/env bash
# Checks what `cmake --install` and the .deb ship: validates the desktop entry and the AppStream
# metainfo, builds the release preset, installs it into build/release/stage, builds the package
# with cpack, lists its control fields and files, and runs lintian on it (errors fail).
set -euo pipefail
cd "$(dirname "$0")/.."
QUEUELAB_EXTRA_PACKAGES="desktop-file-utils appstream lintian" tools/install-deps.sh

id=io.github.queuelab.QueueLab
desktop-file-validate "packaging/$id.desktop"
appstreamcli validate --no-net --explain "packaging/$id.metainfo.xml"
version=$(sed -n 's/^project(queuelab VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
grep -q "<release version=\"$version\"" "packaging/$id.metainfo.xml" \
    || { echo "check-package: the metainfo has no <release> for version $version" >&2; exit 1; }
[ "$(dpkg-parsechangelog -l packaging/changelog -S Version)" = "$version" ] \
    || { echo "check-package: packaging/changelog does not start with version $version" >&2; exit 1; }

cmake --preset release >/dev/null
cmake --build --preset release --target installed_files
stage=build/release/stage
rm -rf "$stage"
cmake --install build/release --prefix "$stage"
for file in bin/queuelab share/man/man1/queuelab.1.gz share/applications/$id.desktop \
    share/metainfo/$id.metainfo.xml share/icons/hicolor/scalable/apps/$id.svg \
    share/icons/hicolor/48x48/apps/$id.png share/doc/queuelab/copyright; do
    [ -s "$stage/$file" ] || { echo "check-package: cmake --install did not install $file" >&2; exit 1; }
done
desktop-file-validate "$stage/share/applications/$id.desktop"
appstreamcli validate-tree --no-net "$stage" # the metainfo together with its desktop entry

cpack --preset release
deb=build/release/queuelab_${version}_$(dpkg --print-architecture).deb
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"
lintian --fail-on error "$deb"
