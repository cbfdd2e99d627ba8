#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Installs the Debian 12 packages dxgtrace needs that are missing, as root or
# through sudo. Sourced by main-job.sh and test.sh; usable on its own:
#   scripts/deps.sh [build|test|bench]
set -euo pipefail

dxgt_install_deps() {
    local what=${1:-build}
    local pkgs=(build-essential cmake pkg-config libunwind-dev libzstd-dev
                libcapstone-dev libsqlite3-dev libjansson-dev)
    if [ "$what" = test ]; then
        # Intel's OpenCL runtime and clinfo: the real client the mock host is
        # tested against (a user-mode driver nobody here wrote). git is one
        # of the programs the recorder's transparency tests run. Node.js and
        # npm (Debian 12: node 18, npm 9) type-check and run the Frida agent.
        pkgs+=(libcmocka-dev python3 python3-zstandard intel-opencl-icd clinfo git
               nodejs npm)
    fi
    if [ "$what" = bench ] || [ "$what" = test ]; then
        # bench/run's peers and plots: strace and ltrace to compare the
        # recorder with, zstd's CLI for its compression speed, GNU time for
        # peak memory, gnuplot for the PNG plots (docs/performance.md). The
        # test job has them too: bench.quick runs the whole harness.
        pkgs+=(python3 strace ltrace gnuplot-nox zstd time)
    fi
    local need=() p
    for p in "${pkgs[@]}"; do
        # A Node.js from elsewhere (NodeSource's nodejs bundles npm and
        # conflicts with Debian's npm package) is used as it is.
        case $p in
        nodejs) command -v node >/dev/null 2>&1 && continue ;;
        npm) command -v npm >/dev/null 2>&1 && continue ;;
        esac
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "dxgtrace: missing packages (${need[*]}) and neither root nor sudo" >&2
            return 1
        fi
    fi
    echo "dxgtrace: installing ${need[*]}" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${need[@]}" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    dxgt_install_deps "${1:-build}"
fi
