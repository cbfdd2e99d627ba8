#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Records examples/npu-probe under the mock host into a trace, the input of
# the export tests:
#
#   record_probe.sh OUT PROBE RECORDER MOCK PROFILE [RUNTIME]
#
# LD_PRELOAD is RECORDER then MOCK (the sanitizer RUNTIME first in a
# sanitizer build), DXGMOCK_PROFILE is PROFILE and DXGTRACE_OUTPUT is OUT,
# for the probe alone. The probe exits 1 when calls fail, which they do
# under wsl2-intel-npu; any other status, or no trace, is an error.
set -u
if [ $# -lt 5 ]; then
	echo "usage: record_probe.sh OUT PROBE RECORDER MOCK PROFILE [RUNTIME]" >&2
	exit 2
fi
out=$1 probe=$2 rec=$3 mock=$4 profile=$5 runtime=${6:-}
preload="$rec:$mock"
[ -n "$runtime" ] && preload="$runtime:$preload"
rm -f "$out"
# A clean environment for the recorder: no options from the caller's.
for v in $(env | sed -n 's/^\(DXGTRACE_[A-Z_]*\)=.*/\1/p; s/^\(DXGMOCK_[A-Z_]*\)=.*/\1/p'); do
	unset "$v"
done
LD_PRELOAD=$preload DXGMOCK_PROFILE=$profile DXGTRACE_OUTPUT=$out "$probe" >/dev/null
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
	echo "record_probe.sh: $probe exited with status $status" >&2
	exit 1
fi
if [ ! -s "$out" ]; then
	echo "record_probe.sh: no trace written to $out" >&2
	exit 1
fi
echo "recorded $out"
