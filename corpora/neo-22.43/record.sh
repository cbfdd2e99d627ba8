#!/bin/sh
# SPDX-License-Identifier: MIT
# Re-records the traces of this folder: `clinfo -l` with Debian 12's
# intel-opencl-icd (Intel NEO 22.43) under the recorder and the mock host,
# once per profile. Backtraces are off and the environment is cleaned so
# that two runs differ only in what no run can fix: pids, times,
# addresses, this machine's paths and host name.
# Usage: corpora/neo-22.43/record.sh [BUILD-DIR]   (default: build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
cli=$build/cli/dxgtrace
[ -x "$cli" ] || { echo "record.sh: no $cli; build first" >&2; exit 2; }
command -v clinfo >/dev/null || { echo "record.sh: clinfo is not installed" >&2; exit 2; }
icd=$(grep -h libigdrcl /etc/OpenCL/vendors/*.icd 2>/dev/null | head -n 1)
[ -n "$icd" ] || { echo "record.sh: intel-opencl-icd is not installed" >&2; exit 2; }
version=$(dpkg-query -W -f='${Version}' intel-opencl-icd 2>/dev/null || echo unknown)
case $version in
22.43.*) ;;
*) echo "record.sh: these traces are of NEO 22.43; installed: $version" >&2; exit 2 ;;
esac
for profile in wsl2-intel-gpu wsl2-intel-arc; do
	out=$here/clinfo.$profile.dxgt
	rm -f "$out"
	echo "== $profile"
	(cd "$here" && env -u LD_PRELOAD $(env | sed -n 's/^\(DXG[A-Z_]*\)=.*/-u \1/p') \
		OCL_ICD_FILENAMES="$icd" \
		"$cli" record -o "$out" --backtrace off --mock "$profile" -- clinfo -l) || true
	"$cli" info "$out" | grep -E '^(calls|state):'
done
