#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Writes the input traces of the golden-output tests into OUTDIR:
#
#   make_inputs.sh MKTRACE OUTDIR
#
#   all.dxgt, npu.dxgt, small.dxgt   mktrace all / npu / small
#   small-cut-chunk.dxgt             small, cut exactly after its 3rd chunk
#   small-cut-mid.dxgt               small, cut 10 bytes into the payload of
#                                    its 5th chunk
#
# The cut offsets come from the chunk layout (docs/trace-format.md: a
# 32-byte file header, then chunks of a 40-byte header holding stored_size
# as u32 LE at offset 8, followed by stored_size bytes), so they follow
# changes of the writer or of mktrace without editing this script.
set -eu
if [ $# -ne 2 ]; then
	echo "usage: make_inputs.sh MKTRACE OUTDIR" >&2
	exit 2
fi
mktrace=$1
out=$2
mkdir -p "$out"
"$mktrace" all "$out/all.dxgt"
"$mktrace" npu "$out/npu.dxgt"
"$mktrace" small "$out/small.dxgt"

# Prints the end offset of chunk N (1-based) of FILE.
chunk_end() {
	python3 - "$1" "$2" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
want = int(sys.argv[2])
off = 32
for _ in range(want):
    if data[off:off + 4] != b"DXGC":
        sys.exit(f"no chunk at offset {off}")
    off += 40 + int.from_bytes(data[off + 8:off + 12], "little")
print(off)
PY
}
head -c "$(chunk_end "$out/small.dxgt" 3)" "$out/small.dxgt" >"$out/small-cut-chunk.dxgt"
head -c "$(($(chunk_end "$out/small.dxgt" 4) + 40 + 10))" "$out/small.dxgt" >"$out/small-cut-mid.dxgt"
