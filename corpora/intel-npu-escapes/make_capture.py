#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes windows.jsonl: the Intel NPU scenario's Windows-side capture.

The capture is synthetic. It has the shape the field report describes for
the Windows run, where the NPU works (enumerate, open, device, the user-mode
driver's four registration escapes including a 568-byte one, context
creation, all succeeding), in the format the Frida agent writes
(docs/frida.md). The calls are the ones examples/npu-probe makes, so that a
recording of the probe inside WSL2 compares with it call for call:

    EnumAdapters3 (count, then list), OpenAdapterFromLuid,
    QueryAdapterInfo type 31, CreateDevice, four escapes of 64, 568, 24 and
    40 bytes, CreateContextVirtual, DestroyContext, DestroyDevice,
    CloseAdapter (opened), CloseAdapter (enumerated)

What comes from the report: the device (PCI 8086:7D1D, "Intel(R) AI
Boost"), that the UMD sends four escapes before its first
CreateContextVirtual, one of them 568 bytes, and that they succeed on
Windows. What is made up: every payload byte (the probes' synthetic pattern;
Intel's escape protocol is undocumented), the replies (the driver is taken
to write 1 into bytes 16-19 of each payload), handles, LUID, addresses,
thread id and times. Run it again to regenerate the file byte for byte.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from frida_capture import Capture, buf  # noqa: E402

REGISTRATION_SIZES = (64, 568, 24, 40)
CONTEXT_DATA_SIZE = 16
LUID = (0x0000D2C4, 0x00000000)  # low, high
PID, TID = 7312, 9044
T0 = 1_250_000


def probe_payload(n):
    """The probes' synthetic payload (examples/probe_common.c)."""
    tag = b"DXGTPROBE"
    out = bytearray(n)
    for i in range(n):
        if i < len(tag):
            out[i] = tag[i]
        elif i < len(tag) + 4:
            out[i] = (n >> (8 * (i - len(tag)))) & 0xFF
        else:
            out[i] = (i * 7 + 3) & 0xFF
    return bytes(out)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "windows.jsonl"
    c = Capture(TID, T0, 0x000001D4F3A10000, lambda seq: 18_000 + 1_000 * (seq % 7), 4_000)
    c.emit({"type": "header", "format": "dxgtrace-frida", "version": 1, "os": "windows",
            "arch": "x64", "pid": PID, "process": "C:\\npu\\npu-probe.exe", "hook": "gdi32",
            "agent": "synthetic (corpora/intel-npu-escapes/make_capture.py)",
            "os_version": "10.0.26100"})
    c.emit({"type": "module", "name": "npu-probe.exe", "base": "0x00007ff6a1b20000",
            "size": 0x1A000, "path": "C:\\npu\\npu-probe.exe"})
    c.emit({"type": "module", "name": "gdi32.dll", "base": "0x00007ffc3e4f0000",
            "size": 0x2C000, "path": "C:\\Windows\\System32\\gdi32.dll"})
    h_enum, h_open, h_dev, h_ctx = 0x40000080, 0x400000C0, 0x40000100, 0x40000140
    luid = struct.pack("<II", *LUID)

    # EnumAdapters3, compute-only filter: a count query, then the list.
    c.call("D3DKMTEnumAdapters3", struct.pack("<QIIQ", 1, 0, 0, 0),
           struct.pack("<QIIQ", 1, 1, 0, 0))
    lst = c.buffer_addr(20)
    info = struct.pack("<I8sII", h_enum, luid, 0, 0)
    c.call("D3DKMTEnumAdapters3", struct.pack("<QIIQ", 1, 1, 0, lst),
           struct.pack("<QIIQ", 1, 1, 0, lst), bufs_out=[buf("adapters", lst, info)])
    c.call("D3DKMTOpenAdapterFromLuid", luid + struct.pack("<I", 0),
           luid + struct.pack("<I", h_open))
    ids = c.buffer_addr(28)
    qai = struct.pack("<IIQII", h_open, 31, ids, 28, 0)
    c.call("D3DKMTQueryAdapterInfo", qai, qai,
           bufs_in=[buf("private_data", ids, bytes(28))],
           bufs_out=[buf("private_data", ids,
                         struct.pack("<IIIIIII", 0, 0x8086, 0x7D1D, 0, 0, 0, 0))])
    cd = bytearray(64)
    struct.pack_into("<Q", cd, 0, h_open)
    cd_out = bytearray(cd)
    struct.pack_into("<I", cd_out, 12, h_dev)
    c.call("D3DKMTCreateDevice", bytes(cd), bytes(cd_out))
    # The UMD's process registration: four escapes, all answered.
    for i, n in enumerate(REGISTRATION_SIZES):
        p = c.buffer_addr(n)
        payload = probe_payload(n)
        reply = bytearray(payload)
        struct.pack_into("<I", reply, 16, 1)
        es = struct.pack("<IIIIQII", h_open, h_dev, 0, 0, p, n, 0)
        stack = ["0x%016x" % (0x00007FFC3E4F0000 + 0x1C40),
                 "0x%016x" % (0x00007FF6A1B20000 + 0x2A10 + 0x40 * i),
                 "0x%016x" % (0x00007FF6A1B20000 + 0x3F00)]
        c.call("D3DKMTEscape", es, es, bufs_in=[buf("priv_drv_data", p, payload)],
               bufs_out=[buf("priv_drv_data", p, bytes(reply))], stack=stack)
    p = c.buffer_addr(CONTEXT_DATA_SIZE)
    cc = struct.pack("<IIIIQIIII", h_dev, 0, 0, 0, p, CONTEXT_DATA_SIZE, 0, 0, 0)
    cc_out = struct.pack("<IIIIQIIII", h_dev, 0, 0, 0, p, CONTEXT_DATA_SIZE, 0, h_ctx, 0)
    c.call("D3DKMTCreateContextVirtual", cc, cc_out,
           bufs_in=[buf("priv_drv_data", p, probe_payload(CONTEXT_DATA_SIZE))])
    c.call("D3DKMTDestroyContext", struct.pack("<I", h_ctx), struct.pack("<I", h_ctx))
    c.call("D3DKMTDestroyDevice", struct.pack("<I", h_dev), struct.pack("<I", h_dev))
    c.call("D3DKMTCloseAdapter", struct.pack("<I", h_open), struct.pack("<I", h_open))
    c.call("D3DKMTCloseAdapter", struct.pack("<I", h_enum), struct.pack("<I", h_enum))
    c.write(out)


if __name__ == "__main__":
    main()
