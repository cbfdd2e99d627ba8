#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Regenerates the mktrace-based seeds of the reader fuzz corpus
# (tests/fuzz/corpus/reader/seed-*) from a build directory:
#
#   tests/fuzz/make_seeds.sh [BUILD_DIR]   (default: build/ at the top of the tree)
#
# The crafted edge cases (edge-*) are derived from the small trace so they
# follow format changes too. Saved crashes (crash-*) and the inputs kept from
# fuzzing runs (fuzz-*: each adds edge coverage over the seeds, chosen with
# `fuzz_reader -merge=1 -use_counters=0 CORPUS_COPY RUN_CORPUS`) are never
# touched. The output is deterministic: mktrace pins every byte.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
mktrace=$build/tests/tools/mktrace
out=$here/corpus/reader
if [ ! -x "$mktrace" ]; then
	echo "make_seeds.sh: no mktrace at $mktrace; build first" >&2
	exit 2
fi
mkdir -p "$out"
rm -f "$out"/seed-* "$out"/edge-*

"$mktrace" all "$out/seed-all"
"$mktrace" npu "$out/seed-npu"
"$mktrace" small "$out/seed-small"
"$mktrace" --no-compress npu "$out/seed-npu-nocompress"
"$mktrace" --no-index npu "$out/seed-npu-noindex"
"$mktrace" --chunk 200 npu "$out/seed-npu-chunk200"
"$mktrace" --no-compress --no-index small "$out/seed-small-raw-noindex"
"$mktrace" big 300 "$out/seed-big300"

python3 - "$out" <<'PY'
import sys, zlib
out = sys.argv[1]
small = open(f"{out}/seed-small", "rb").read()
def put(name, data):
    open(f"{out}/{name}", "wb").write(data)
# Where the first two chunks end: 32-byte file header, 40-byte chunk
# headers with the payload size at offset 8.
first = 32 + 40 + int.from_bytes(small[32 + 8:32 + 12], "little")
put("edge-empty", b"")
put("edge-header-only", small[:32])
put("edge-header-cut", small[:20])
put("edge-chunk-header-cut", small[:32 + 20])
put("edge-chunk-payload-cut", small[:first - 7])
put("edge-garbage", bytes((i * 37 + 11) & 0xff for i in range(48)))
put("edge-magic-only", b"DXGTRACE")
flip = bytearray(small)
flip[first + 40 + 5] ^= 0x10  # inside the second chunk's payload
put("edge-bitflip-payload", bytes(flip))
v2 = bytearray(small[:32])
v2[8:10] = (2).to_bytes(2, "little")
v2[28:32] = zlib.crc32(bytes(v2[:28])).to_bytes(4, "little")
put("edge-version2", bytes(v2) + small[32:])
PY
chmod 644 "$out"/seed-* "$out"/edge-*
ls -l "$out" | awk 'NR > 1 { n++; b += $5 } END { print n " files, " b " bytes" }'
