#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Writes the input traces of the diff golden tests into OUTDIR:
#
#   make_inputs.sh MKDIFF OUTDIR
#
#   base.dxgt                 the NPU-probe-shaped sequence, both layers
#   status, payload, argument, output, missing, extra, reorder, noreturn .dxgt
#                             base with that divergence planted (mkdiff.c)
#   handles.dxgt              base with other handle values and another LUID
#   io.dxgt, io-status.dxgt   base and status recorded at the ioctl layer only
#   kmt.dxgt                  base recorded at the D3DKMT layer only
#   legacy.dxgt, legacy-io.dxgt
#                             base opened with the D3DKMT-only EnumAdapters,
#                             both layers and ioctl layer only
#   long.dxgt, cut.dxgt       base with three blocks in small chunks, and
#                             the same cut short inside its last chunk
#   win.dxgt                  base as a Windows capture: D3DKMT layer only,
#                             another LUID and handles, the host's adapter
#                             type and a Windows driver-store path
#   lin.dxgt, lin-status.dxgt, lin-7d55.dxgt
#                             base and status as recorded in WSL2 (the
#                             guest's adapter type, a Linux driver-store
#                             path), and base on another PCI device
set -eu
if [ $# -ne 2 ]; then
	echo "usage: make_inputs.sh MKDIFF OUTDIR" >&2
	exit 2
fi
mkdiff=$1
out=$2
mkdir -p "$out"
cd "$out"
for v in base status payload argument output missing extra reorder noreturn; do
	"$mkdiff" "$v" "$v.dxgt"
done
"$mkdiff" --handles 0x50000000 --luid 0x4d2 base handles.dxgt
"$mkdiff" --layers ioctl base io.dxgt
"$mkdiff" --layers ioctl status io-status.dxgt
"$mkdiff" --layers d3dkmt base kmt.dxgt
"$mkdiff" --legacy base legacy.dxgt
"$mkdiff" --legacy --layers ioctl base legacy-io.dxgt
# Small chunks, and a cut 600 bytes before the end: inside the last chunk
# (the index and trailer take less), so its calls are lost.
"$mkdiff" --chunk 2000 --repeat 3 base long.dxgt
size=$(stat -c %s long.dxgt)
head -c $((size - 600)) long.dxgt >cut.dxgt
"$mkdiff" --os windows --luid 0xd2c4 --handles 0x10000 base win.dxgt
"$mkdiff" --os linux base lin.dxgt
"$mkdiff" --os linux status lin-status.dxgt
"$mkdiff" --os linux --device 0x7d55 base lin-7d55.dxgt
