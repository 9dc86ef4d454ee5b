# Installs the conformance suite's pinned npm packages into the build tree (cmake -P):
#   cmake -DSOURCE=<tests/faktory> -DDEST=<build dir> -P npminstall.cmake
# `npm ci` installs exactly the committed lockfile; it is skipped while the installed one matches.
file(MAKE_DIRECTORY "${DEST}")
set(stamp "${DEST}/installed-package-lock.json")
if(EXISTS "${stamp}" AND EXISTS "${DEST}/node_modules")
    file(SHA256 "${stamp}" installed)
    file(SHA256 "${SOURCE}/package-lock.json" wanted)
    if(installed STREQUAL wanted)
        return()
    endif()
endif()
find_program(NPM npm)
if(NOT NPM)
    message(FATAL_ERROR "npm is missing: tools/install-deps.sh installs nodejs and npm")
endif()
file(COPY "${SOURCE}/package.json" "${SOURCE}/package-lock.json" DESTINATION "${DEST}")
execute_process(COMMAND "${NPM}" ci --no-audit --no-fund --ignore-scripts
    WORKING_DIRECTORY "${DEST}" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "npm ci failed (${result})")
endif()
file(COPY_FILE "${SOURCE}/package-lock.json" "${stamp}")
