#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Regenerates the seeds of the binary fuzz corpus (tests/fuzz/corpus/binary)
# from a build directory, for fuzz_binary.c and tests/scan's scan.mutations:
#
#   tests/fuzz/make_binary_seeds.sh [BUILD_DIR]   (default: build/ at the top)
#
# seed-*: the test binaries of tests/scan without their DWARF (symbols
# kept), the same program's relocatable object and its separate debug file
# (sections without bytes), and the hand-built PE32+ of make_pe.py. edge-*:
# small files at the parsers' first checks. Saved crashes (crash-*) are
# never touched. The ELF seeds depend on the compiler that built them: they
# are inputs, and any x86-64 ELF files would do.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
scan=$build/tests/scan
out=$here/corpus/binary
for f in "$scan/scan_plant" "$scan/libscan_import.so" "$scan/libscan_dlsym.so"; do
	if [ ! -f "$f" ]; then
		echo "make_binary_seeds.sh: no $f; build first" >&2
		exit 2
	fi
done
object=$(find "$scan" -name 'scan_plant.c.o' | head -n 1)
mkdir -p "$out"
rm -f "$out"/seed-* "$out"/edge-*

strip --strip-debug -o "$out/seed-elf-exec" "$scan/scan_plant"
strip --strip-debug -o "$out/seed-elf-import" "$scan/libscan_import.so"
strip --strip-debug -o "$out/seed-elf-dlsym" "$scan/libscan_dlsym.so"
strip --strip-debug -o "$out/seed-elf-object" "$object"
objcopy --only-keep-debug "$scan/scan_plant" "$out/seed-elf-debugfile"
strip --strip-debug "$out/seed-elf-debugfile"
python3 "$here/../scan/make_pe.py" "$out/seed-pe"

python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
def put(name, data):
    open(f"{out}/{name}", "wb").write(data)
put("edge-empty", b"")
put("edge-elf-magic", b"\x7fELF")
put("edge-elf-header", open(f"{out}/seed-elf-exec", "rb").read()[:64])
put("edge-mz", b"MZ")
put("edge-dos-header", open(f"{out}/seed-pe", "rb").read()[:64])
put("edge-garbage", bytes((i * 37 + 11) & 0xff for i in range(256)))
PY
chmod 644 "$out"/seed-* "$out"/edge-*
ls -l "$out" | awk 'NR > 1 { n++; b += $5 } END { print n " files, " b " bytes" }'
