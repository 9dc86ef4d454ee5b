# The Debian package: `cpack --preset release` (or `cpack` in a build directory) after a release
# build writes queuelab_<version>_<arch>.deb from the `cmake --install` tree.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME queuelab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "QueueLab maintainers <maintainers@queuelab.invalid>"
    CACHE STRING "The package's Maintainer field: a name and an email address")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${CPACK_PACKAGE_CONTACT})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "workbench for job queues with an HTTP API and a live dashboard")
# Debian wraps the long description at 80 columns.
set(CPACK_PACKAGE_DESCRIPTION
    "QueueLab takes JSON jobs over an embedded HTTP server, runs them in a bounded
worker pool and shows the queue, each worker, throughput, latency and every
job with its result in a live dashboard. Point clients and workers at it while
developing; queuelab --headless serves the same API without a window, for
scripts and continuous integration.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # queuelab_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE https://github.com/queuelab/queuelab)
set(CPACK_STRIP_FILES ON)

# dpkg-shlibdeps finds the libraries the binary links (libsqlite3 among them); it cannot see the
# plugins Qt loads at run time: the SVG icon engine. The X11 platform plugin comes with
# libqt6gui6, which shlibdeps finds; the Wayland one is a separate package, and without it Qt runs
# through XWayland.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6svg6")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS qt6-wayland)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

include(CPack)
