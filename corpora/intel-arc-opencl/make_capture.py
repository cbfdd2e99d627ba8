#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes windows.jsonl: the Intel Arc iGPU scenario's Windows-side capture.

The capture is synthetic. It is the Windows run of the GPU start-up
sequence that examples/igpu-probe makes in WSL2, with every call succeeding
as it does on the reporter's Windows host, in the format the Frida agent
writes (docs/frida.md), so that a recording of the probe inside WSL2
compares with it call for call:

    EnumAdapters3 (filter 0: count, then list), OpenAdapterFromLuid,
    QueryAdapterInfo type 31 (PCI ids), 15 (adapter type), 48 (QUERYREGISTRY,
    the driver-store path: size probe, then the read), 70 (WDDM 2.7 caps),
    41 (PnP key), CreateDevice, CreatePagingQueue, ReserveGpuVirtualAddress,
    FreeGpuVirtualAddress, DestroyPagingQueue, DestroyDevice, CloseAdapter
    (opened), CloseAdapter (enumerated)

Everything is in the Windows layouts: QUERYREGISTRY's
D3DDDI_QUERYREGISTRY_INFO with 2-byte WCHARs (552-byte fixed part, the
value from byte 544), its size probe answering the size of the path in
UTF-16; the adapter type as the host answers it (no Paravirtualized bit:
the guest driver sets that).

What comes from the report and the profile: the device (PCI 8086:7D51), that
it works on Windows, and which calls fail in WSL2 (the profile's choice of
query types 70 and 41). What is made up: handles, LUID, addresses, thread
id, times, the driver-store folder's hash, the adapter type's
HybridIntegrated bit (it mirrors the profile's "integrated" flag), the
answers to types 70 (hardware scheduling supported) and 41 (the block
handed back unchanged), the GPU address reserved. Run it again to
regenerate the file byte for byte.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from frida_capture import Capture, buf  # noqa: E402

LUID = (0x0000F1A3, 0x00000000)  # low, high
PID, TID = 11876, 12440
T0 = 2_400_000
PCI = (0x8086, 0x7D51)
# D3DKMT_ADAPTERTYPE on the host: RenderSupported | DisplaySupported |
# HybridIntegrated. The guest sets Paravirtualized and clears DisplaySupported.
ADAPTER_TYPE = 0x1 | 0x2 | 0x20
DRIVER_STORE = ("C:\\Windows\\System32\\DriverStore\\FileRepository\\"
                "iigd_dch.inf_amd64_5e1f0c27a9d38b64\\")
REG_SZ = 1
QR_SUCCESS, QR_BUFFER_OVERFLOW = 0, 1
WDDM_2_7_CAPS = 0x1  # HwSchSupported
RESERVE_SIZE = 0x100000000
GPU_VA = 0x0000000800000000


def qr_windows(query_type, value_type=0, out_size=0, status=0, value=b"", size=None):
    """D3DDDI_QUERYREGISTRY_INFO, Windows x64 layout: QueryType, QueryFlags,
    ValueName[260] (WCHAR), ValueType, PhysicalAdapterIndex,
    OutputValueSize, Status, then the value (an 8-byte union at 544 that
    runs on past the 552-byte fixed part)."""
    head = struct.pack("<II", query_type, 0) + bytes(2 * 260)
    head += struct.pack("<IIII", value_type, 0, out_size, status)
    body = head + value
    n = size if size is not None else max(552, len(body))
    return body + bytes(n - len(body))


def qai(c, h, qtype, data_in, data_out):
    """One QueryAdapterInfo whose private data goes in and comes back."""
    p = c.buffer_addr(len(data_in))
    args = struct.pack("<IIQII", h, qtype, p, len(data_in), 0)
    c.call("D3DKMTQueryAdapterInfo", args, args,
           bufs_in=[buf("private_data", p, data_in)],
           bufs_out=[buf("private_data", p, data_out)])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "windows.jsonl"
    c = Capture(TID, T0, 0x000002A7C5E40000, lambda seq: 16_000 + 1_000 * (seq % 5), 3_000)
    c.emit({"type": "header", "format": "dxgtrace-frida", "version": 1, "os": "windows",
            "arch": "x64", "pid": PID, "process": "C:\\arc\\igpu-probe.exe", "hook": "gdi32",
            "agent": "synthetic (corpora/intel-arc-opencl/make_capture.py)"})
    for name, base, size, path in (
            ("igpu-probe.exe", 0x00007FF7C2D10000, 0x1C000, "C:\\arc\\igpu-probe.exe"),
            ("gdi32.dll", 0x00007FFD4A6B0000, 0x2C000, "C:\\Windows\\System32\\gdi32.dll"),
            ("gdi32full.dll", 0x00007FFD47E20000, 0x11A000,
             "C:\\Windows\\System32\\gdi32full.dll"),
            ("win32u.dll", 0x00007FFD48230000, 0x27000, "C:\\Windows\\System32\\win32u.dll")):
        c.emit({"type": "module", "name": name, "base": "0x%016x" % base, "size": size,
                "path": path})
    h_enum, h_open, h_dev, h_pq, h_sync = (0x40000080, 0x400000C0, 0x40000100, 0x40000140,
                                           0x40000180)
    luid = struct.pack("<II", *LUID)

    # EnumAdapters3, filter 0: a count query, then the list.
    c.call("D3DKMTEnumAdapters3", struct.pack("<QIIQ", 0, 0, 0, 0),
           struct.pack("<QIIQ", 0, 1, 0, 0))
    lst = c.buffer_addr(20)
    info = struct.pack("<I8sII", h_enum, luid, 0, 0)
    c.call("D3DKMTEnumAdapters3", struct.pack("<QIIQ", 0, 1, 0, lst),
           struct.pack("<QIIQ", 0, 1, 0, lst), bufs_out=[buf("adapters", lst, info)])
    c.call("D3DKMTOpenAdapterFromLuid", luid + struct.pack("<I", 0),
           luid + struct.pack("<I", h_open))

    # Type 31: physical adapter index, vendor, device, subsystem vendor,
    # subsystem, revision, bus type.
    qai(c, h_open, 31, bytes(28), struct.pack("<IIIIIII", 0, PCI[0], PCI[1], 0, 0, 0, 0))
    # Type 15: the adapter type, as the host answers it.
    qai(c, h_open, 15, bytes(4), struct.pack("<I", ADAPTER_TYPE))
    # Type 48, query type 2 (driver store): the size probe with the fixed
    # part alone, answered BUFFER_OVERFLOW and the path's size in UTF-16...
    path = (DRIVER_STORE + "\0").encode("utf-16-le")
    qai(c, h_open, 48, qr_windows(2),
          qr_windows(2, REG_SZ, len(path), QR_BUFFER_OVERFLOW))
    # ... then the read with a buffer that holds it.
    size = 544 + len(path)
    qai(c, h_open, 48, qr_windows(2, size=size),
          qr_windows(2, REG_SZ, len(path), QR_SUCCESS, path, size=size))
    # Type 70: D3DKMT_WDDM_2_7_CAPS, one UINT of bits.
    qai(c, h_open, 70, bytes(4), struct.pack("<I", WDDM_2_7_CAPS))
    # Type 41: the probe's 24 bytes (adapter index 0, hardware key, two
    # pointer fields left 0), handed back unchanged.
    pnp = struct.pack("<IIQQ", 0, 1, 0, 0)
    qai(c, h_open, 41, pnp, pnp)

    cd = bytearray(64)
    struct.pack_into("<Q", cd, 0, h_open)
    cd_out = bytearray(cd)
    struct.pack_into("<I", cd_out, 12, h_dev)
    c.call("D3DKMTCreateDevice", bytes(cd), bytes(cd_out))
    fence = c.buffer_addr(8)
    c.call("D3DKMTCreatePagingQueue", struct.pack("<IiIIQII", h_dev, 0, 0, 0, 0, 0, 0),
           struct.pack("<IiIIQII", h_dev, 0, h_pq, h_sync, fence, 0, 0))
    rv = "<IIQQQQIIQQQ"
    c.call("D3DKMTReserveGpuVirtualAddress",
           struct.pack(rv, h_open, 0, 0, 0, 0, RESERVE_SIZE, 0, 0, 0, 0, 0),
           struct.pack(rv, h_open, 0, 0, 0, 0, RESERVE_SIZE, 0, 0, 0, GPU_VA, 1))
    fv = struct.pack("<IIQQ", h_open, 0, GPU_VA, RESERVE_SIZE)
    c.call("D3DKMTFreeGpuVirtualAddress", fv, fv)
    c.call("D3DKMTDestroyPagingQueue", struct.pack("<I", h_pq), struct.pack("<I", h_pq))
    c.call("D3DKMTDestroyDevice", struct.pack("<I", h_dev), struct.pack("<I", h_dev))
    c.call("D3DKMTCloseAdapter", struct.pack("<I", h_open), struct.pack("<I", h_open))
    c.call("D3DKMTCloseAdapter", struct.pack("<I", h_enum), struct.pack("<I", h_enum))
    c.write(out)


if __name__ == "__main__":
    main()
