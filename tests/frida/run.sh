#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Steps of the Frida agent's tests (tests/frida/CMakeLists.txt). Node and npm
# are found on PATH when a test runs; without them every step fails and says
# so. Nothing is written into the source tree: the npm packages, the
# compiled agent and the captures go to WORK (the build directory).
#   run.sh npm-ci    SRC WORK        install package-lock.json's packages
#   run.sh typecheck SRC WORK        tsc --noEmit (strict) against @types/frida-gum
#   run.sh build     SRC WORK        compile the agent to WORK/agent/*.js
#   run.sh fake      SCENARIO WORK NAME
#                    run the agent against the fake Frida API, check WORK/NAME.jsonl
#   run.sh import    DXGTRACE SCENARIO WORK NAME
#                    import WORK/NAME.jsonl, check the trace with tests/spec/read_trace.py
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}

need_node() {
    local missing=()
    command -v node >/dev/null 2>&1 || missing+=(node)
    [ "${1:-}" = npm ] && { command -v npm >/dev/null 2>&1 || missing+=(npm); }
    if [ ${#missing[@]} -gt 0 ]; then
        echo "frida tests: ${missing[*]} not found on PATH; install Node.js 18 or later" \
             "with npm (Debian: scripts/deps.sh test installs nodejs and npm)" >&2
        exit 1
    fi
}

tsc() {
    local work=$1; shift
    local bin=$work/node/node_modules/typescript/bin/tsc
    if [ ! -f "$bin" ]; then
        echo "frida tests: $bin missing: the fixture test frida.npm_ci did not run or failed" >&2
        exit 1
    fi
    node "$bin" --typeRoots "$work/node/node_modules/@types" "$@"
}

step=$1; shift
case $step in
npm-ci)
    src=$1 work=$2
    need_node npm
    mkdir -p "$work/node"
    cp "$src/package.json" "$src/package-lock.json" "$work/node/"
    cd "$work/node"
    npm ci --no-audit --no-fund
    ;;
typecheck)
    src=$1 work=$2
    need_node
    tsc "$work" -p "$src/tsconfig.json" --noEmit
    ;;
build)
    src=$1 work=$2
    need_node
    rm -rf "$work/agent"
    tsc "$work" -p "$src/tsconfig.json" --outDir "$work/agent"
    # The compiled modules are ES modules; node needs to be told.
    echo '{"type": "module"}' > "$work/agent/package.json"
    ;;
fake)
    scenario=$1 work=$2 name=$3
    need_node
    if [ ! -f "$work/agent/agent.js" ]; then
        echo "frida tests: $work/agent/agent.js missing: frida.build did not run or failed" >&2
        exit 1
    fi
    rm -f "$work/$name.jsonl"
    node "$here/fake_frida.mjs" "$work/agent/agent.js" "$scenario" "$work/$name.jsonl"
    "$python" "$here/check_capture.py" jsonl "$scenario" "$work/$name.jsonl"
    ;;
import)
    dxgtrace=$1 scenario=$2 work=$3 name=$4
    if [ ! -f "$work/$name.jsonl" ]; then
        echo "frida tests: $work/$name.jsonl missing: its frida.fake_* test did not run" >&2
        exit 1
    fi
    rm -f "$work/$name.dxgt" "$work/$name.trace.jsonl"
    "$dxgtrace" import frida "$work/$name.jsonl" -o "$work/$name.dxgt"
    "$python" "$here/../spec/read_trace.py" --blobs "$work/$name.dxgt" > "$work/$name.trace.jsonl"
    "$python" "$here/check_capture.py" trace "$scenario" "$work/$name.trace.jsonl"
    ;;
*)
    echo "usage: run.sh npm-ci|typecheck|build|fake|import ..." >&2
    exit 2
    ;;
esac
