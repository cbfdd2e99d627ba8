#!/bin/sh
# SPDX-License-Identifier: MIT
# A real client against the mock host: `clinfo -l` with Intel's OpenCL
# runtime (NEO, Debian's intel-opencl-icd) under LD_PRELOAD=libdxgmock.so
# and DXGMOCK_DEBUG=1. Passes when NEO's WSL path runs through the mock up
# to D3DKMTOpenAdapterFromLuid, in order: the libdxcore.so dlopen
# redirected, DXCoreCreateAdapterFactory, a compute adapter list with the
# profile's adapter, the adapter's properties, OpenAdapterFromLuid on its
# LUID. What NEO does after that is printed, not judged here (run_neo.py
# checks it under the recorder). Skips (77) when clinfo or the Intel runtime
# is not installed; installs nothing.
# Usage: run_clinfo.sh PRELOAD PROFILE WORKDIR [SKIP-REASON]
set -u
preload=$1 profile=$2 work=$3 skip=${4:-}
if [ -n "$skip" ]; then
	echo "SKIP: $skip"
	exit 77
fi
if ! command -v clinfo >/dev/null 2>&1; then
	echo "SKIP: clinfo is not installed (apt-get install clinfo)"
	exit 77
fi
neo=""
for icd in /etc/OpenCL/vendors/*.icd; do
	[ -f "$icd" ] && grep -q 'libigdrcl' "$icd" && neo=$(cat "$icd")
done
if [ -z "$neo" ]; then
	echo "SKIP: Intel's OpenCL runtime is not installed (apt-get install intel-opencl-icd)"
	exit 77
fi
mkdir -p "$work"
out=$work/clinfo.stdout
err=$work/clinfo.stderr
to=""
command -v timeout >/dev/null 2>&1 && to="timeout 60"
env DXGMOCK_DEBUG=1 DXGMOCK_PROFILE="$profile" OCL_ICD_FILENAMES="$neo" \
	LD_PRELOAD="$preload" $to clinfo -l >"$out" 2>"$err"
rc=$?
echo "clinfo -l exited $rc; its output:"
cat "$out"
echo "--- the mock's log and NEO's messages (stderr):"
cat "$err"
echo "---"

# Each step must appear, after the one before it.
prev=0
fail=0
step() {
	n=$(grep -n -e "$1" "$err" | head -n 1 | cut -d: -f1)
	if [ -z "$n" ]; then
		echo "FAIL: no line matches: $1"
		fail=1
	elif [ "$n" -le "$prev" ]; then
		echo "FAIL: out of order (line $n): $1"
		fail=1
	else
		echo "ok (line $n): $1"
		prev=$n
	fi
}
step 'dlopen("/usr/lib/wsl/lib/libdxcore.so", [A-Z_|]*DEEPBIND[A-Z_|]*) -> .*(redirected'
step 'DXCoreCreateAdapterFactory(IID_IDXCoreAdapterFactory) -> 0x00000000'
step 'CreateAdapterList(1, DXCORE_ADAPTER_ATTRIBUTE_D3D12_CORE_COMPUTE, .*) -> 0x00000000, 1 adapter'
step 'GetAdapter(0) -> 0x00000000'
step 'GetProperty(DriverDescription, [0-9]*) -> 0x00000000'
step 'GetProperty(HardwareID, 16) -> 0x00000000'
step 'GetProperty(InstanceLuid, 8) -> 0x00000000'
step 'D3DKMTOpenAdapterFromLuid(.*) -> 0x00000000'
echo "NEO's last calls into the mock:"
grep '^dxgmock: ' "$err" | tail -n 4
if [ "$fail" -ne 0 ]; then
	exit 1
fi
echo "PASS"
