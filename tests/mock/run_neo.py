#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Intel's OpenCL runtime end to end: `dxgtrace record --mock PROFILE --
clinfo -l` with Debian 12's intel-opencl-icd (NEO 22.43), the trace read
back with `dxgtrace dump --json --blobs`.

Usage: run_neo.py --cli DXGTRACE --work DIR [--skip REASON] SCENARIO

Scenarios:

gpu  Under wsl2-intel-gpu (a Tiger Lake GT2 on a host that works) clinfo
     lists the GPU; the trace is complete (every call returned, `dxgtrace
     info` finds the trailer) and holds the dxcore, d3dkmt and ioctl
     layers, every D3DKMT call linked to its ioctl; nothing fails; and the
     runtime's discovery sequence is there in order: the DXCore factory and
     compute adapter list, OpenAdapterFromLuid on the profile's LUID, the
     QUERYREGISTRY driver-store size probe (answered BUFFER_OVERFLOW with
     the size) then the read (the profile's folder), the adapter type with
     RenderSupported, the driver-private adapter info (the profile's token
     stream), CreateDevice, CreatePagingQueue, the GPU address space
     partition escape, the SVM range reservation, CreateContextVirtual,
     its monitored fence, CreateAllocation2, Lock2 and a mapping of at
     least one page. The full `clinfo` listing completes with the
     profile's figures. Then, with DXGMOCK_DRIVER_STORE naming a store
     without the helper, the runtime aborts right after reading the path.

arc  Under wsl2-intel-arc (the Arc 140T field report) the runtime stops
     where the profile's failure bites: ReserveGpuVirtualAddress of its
     SVM range fails at both layers (-1 EOVERFLOW / 0xC0000023, the
     report's -75), the 64 KiB probe within it succeeds, the runtime
     undoes its set-up (DestroyPagingQueue, DestroyDevice, CloseAdapter)
     and lists no device; the profile's query faults never bite (22.43
     asks no type 70 or 41); every recorded call has its leave record
     although the process dies of SIGSEGV in the runtime's clean-up; `dxgtrace
     explain --trace` names the reservation and its notes. Then the same
     host with the GPU's own product family (Arrow Lake), which 22.43 does
     not know: the runtime gives the adapter up right after reading the
     adapter info (CloseAdapter follows it, nothing fails) and lists no
     device.

Prints one line per check ("ok - ..." / "not ok - ..."). Exit status 0
when all hold, 1 when one fails, 77 when the test does not apply here
(sanitizer build, clinfo or the runtime missing, another runtime version).
"""

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import check, finish, note, skip  # noqa: E402

A = None

NEO_VERSION = "22.43."
NEO_LIB = "libigdrcl"


# ---- the environment ----


def neo_icd():
    """The ICD line naming Intel's runtime, or None."""
    d = "/etc/OpenCL/vendors"
    for icd in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, icd)) as f:
            text = f.read().strip()
        if NEO_LIB in text:
            return text
    return None


def neo_version():
    """The installed intel-opencl-icd's version, or None when dpkg cannot say."""
    if not shutil.which("dpkg-query"):
        return None
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "intel-opencl-icd"],
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else None


def prerequisites():
    if A.skip:
        skip(A.skip)
    if not shutil.which("clinfo"):
        skip("clinfo is not installed (apt-get install clinfo)")
    icd = neo_icd()
    if not icd:
        skip("Intel's OpenCL runtime is not installed (apt-get install intel-opencl-icd)")
    v = neo_version()
    if v is not None and not v.startswith(NEO_VERSION):
        skip("the mock host speaks the formats of NEO 22.43 (Debian 12's intel-opencl-icd); "
             "installed: %s" % v)
    return icd


def env(icd):
    e = {k: v for k, v in os.environ.items()
         if k != "LD_PRELOAD" and not k.startswith(("DXGTRACE_", "DXGMOCK_"))}
    e["OCL_ICD_FILENAMES"] = icd
    return e


def record(icd, profile, name, extra=None, args=("-l",)):
    """Runs clinfo (-l) under the recorder; (process, trace path)."""
    d = os.path.join(A.work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    trace = os.path.join(d, "clinfo.dxgt")
    cmd = [A.cli, "record", "-o", trace, "--mock", profile, "--", "clinfo"] + list(args)
    e = env(icd)
    e.update(extra or {})
    p = subprocess.run(cmd, cwd=d, env=e, capture_output=True, text=True, timeout=120)
    note("$ %s: exit %d" % (" ".join(cmd[1:]), p.returncode))
    note("stdout:\n" + (p.stdout or "(none)") if args else "stdout: %d lines" % len(p.stdout.splitlines()))
    if p.stderr.strip():
        note("stderr:\n" + p.stderr)
    return p, trace


def cli(*args):
    e = dict(os.environ, DXGTRACE_NO_PROGRESS="1")
    return subprocess.run([A.cli] + list(args), capture_output=True, text=True, env=e,
                          timeout=120)


def dump(path):
    """The calls of a trace, in sequence order (dump --json --blobs)."""
    p = cli("dump", "--json", "--blobs", path)
    if not check(p.returncode == 0, "dxgtrace dump --json reads the trace"):
        note(p.stderr)
        return []
    calls = [json.loads(line) for line in p.stdout.splitlines()]
    calls = [c for c in calls if "seq" in c]
    note("%d calls; the D3DKMT and DXCore ones:" % len(calls))
    for c in calls:
        if c["layer"] != "ioctl":
            note("  %4d %-6s %s %s" % (c["seq"], c["layer"], c["name"],
                                       " ".join("%s=%s" % kv for kv in c["args"].items()
                                                if not isinstance(kv[1], (dict, list)))[:110]))
    return calls


def buf(c, side, name):
    """The bytes of nested buffer name on side "in" or "out", or None."""
    for b in (c.get(side) or {}).get("bufs", []):
        if b["name"] == name and b["level"] == 0 and "hex" in b:
            return bytes.fromhex(b["hex"])
    return None


def status(c):
    """A D3DKMT call's NTSTATUS as a number (dump prints it in hex)."""
    return int(c["status"], 16) if isinstance(c.get("status"), str) else c.get("status")


def failed(c):
    if c["layer"] == "ioctl":
        return c["ret"] != 0 or c["errno"] != 0
    if c["layer"] == "d3dkmt":
        return status(c) != 0
    return c["ret"] < 0 or c["ret"] >= 0x80000000  # a failing HRESULT


def check_complete(path, calls):
    check(bool(calls) and all(c.get("returned") for c in calls),
          "every call has its leave record (%d calls)" % len(calls))
    layers = sorted(set(c["layer"] for c in calls))
    check(layers == ["d3dkmt", "dxcore", "ioctl"], "layers dxcore, d3dkmt and ioctl: %s" % layers)
    p = cli("info", path)
    check(p.returncode == 0 and ", 0 never returned" in p.stdout,
          "dxgtrace info: 0 never returned")
    return p.stdout


def check_links(calls):
    """Every D3DKMT call that reaches /dev/dxg has its ioctl, linked to it."""
    by_parent = {}
    for c in calls:
        if c["layer"] == "ioctl" and c.get("parent"):
            by_parent.setdefault(c["parent"], []).append(c)
    kmt = [c for c in calls if c["layer"] == "d3dkmt"]
    lonely = [c["name"] for c in kmt if not by_parent.get(c["seq"])]
    check(kmt and not lonely, "each of the %d D3DKMT calls is linked to the ioctl it issued%s"
          % (len(kmt), (": not " + ", ".join(lonely)) if lonely else ""))


class Steps:
    """Finds each step after the one before it."""

    def __init__(self, calls):
        self.calls = calls
        self.at = -1
        self.found = {}

    def step(self, key, what, pred):
        for i in range(self.at + 1, len(self.calls)):
            c = self.calls[i]
            if pred(c):
                self.at = i
                self.found[key] = c
                check(True, "in order: %s (seq %d)" % (what, c["seq"]))
                return c
        check(False, "in order: %s (not found after seq %s)"
              % (what, self.calls[self.at]["seq"] if self.at >= 0 else "start"))
        return None


def kmt(name, **args):
    def pred(c):
        if c["layer"] != "d3dkmt" or c["name"] != "D3DKMT" + name:
            return False
        return all(c["args"].get(k) == v for k, v in args.items())
    return pred


def u32(b, off):
    return struct.unpack_from("<I", b, off)[0] if b is not None and len(b) >= off + 4 else None


# QUERYREGISTRY as a Linux UMD lays it out (4-byte wchar_t):
# OutputValueSize at 0x420, Status at 0x424, the value at 0x428.
QR_SIZE, QR_OUT_SIZE, QR_STATUS, QR_VALUE = 1072, 0x420, 0x424, 0x428


def profile_adapter(name):
    with open(os.path.join(A.profiles, name + ".json")) as f:
        return json.load(f)["adapters"][0]


def discovery(calls, adapter):
    """The runtime's way to the adapter, in order, as the profile answers it."""
    s = Steps(calls)
    s.step("factory", "DXCoreCreateAdapterFactory",
           lambda c: c["name"] == "DXCoreCreateAdapterFactory" and c["ret"] == 0)
    s.step("list", "a DXCore adapter list (one attribute: D3D12 core compute)",
           lambda c: c["name"] == "IDXCoreAdapterFactory::CreateAdapterList"
           and c["args"].get("num_attributes") == 1 and c["ret"] == 0)
    s.step("enum", "EnumAdapters3 below it",
           lambda c: c["name"] == "LX_DXENUMADAPTERS3")
    s.step("luid", "the adapter's InstanceLuid property",
           lambda c: c["name"] == "IDXCoreAdapter::GetProperty" and c["args"].get("property") == 0)
    luid = int(adapter["luid"], 16)
    want = "0x%016x" % luid
    s.step("open", "OpenAdapterFromLuid(%s)" % want,
           lambda c: kmt("OpenAdapterFromLuid")(c) and c["args"].get("adapter_luid") == want
           and status(c) == 0)

    probe = s.step("probe", "QUERYREGISTRY size probe: QueryAdapterInfo type 48 of %d bytes"
                   % QR_SIZE,
                   lambda c: kmt("QueryAdapterInfo", type=48)(c)
                   and len(buf(c, "in", "private_data") or b"") == QR_SIZE)
    out = buf(probe, "out", "private_data") if probe else None
    need = u32(out, QR_OUT_SIZE)
    check(u32(out, QR_STATUS) == 1 and need,
          "the probe is answered BUFFER_OVERFLOW (1) with the size the path needs (%s bytes)"
          % need)
    read = s.step("read", "then the read: type 48 of %s bytes" % (QR_SIZE + (need or 0)),
                  lambda c: kmt("QueryAdapterInfo", type=48)(c)
                  and len(buf(c, "in", "private_data") or b"") == QR_SIZE + (need or 0))
    out = buf(read, "out", "private_data") if read else None
    path = None
    if out is not None and need:
        w = out[QR_VALUE:QR_VALUE + need]
        path = "".join(chr(x) for x in struct.unpack("<%dI" % (len(w) // 4), w)).split("\0")[0]
    store = [r["string"] for r in adapter.get("registry", []) if r.get("query_type") == "driverstore"]
    check(u32(out, QR_STATUS) == 0 and store and path == store[0],
          "the read is answered SUCCESS with the profile's driver-store folder: %r" % path)

    at = s.step("type", "the adapter type (QueryAdapterInfo type 15)",
                kmt("QueryAdapterInfo", type=15))
    check((u32(buf(at, "out", "private_data"), 0) or 0) & 1 == 1,
          "RenderSupported is set")
    info = s.step("info", "the driver-private adapter info (QueryAdapterInfo type 0)",
                  kmt("QueryAdapterInfo", type=0))
    got = buf(info, "out", "private_data") if info else None
    # The token stream starts with GfxPlatform (3551), a variable-length token.
    check(u32(got, 0) == 0x10000DDF and len(got) == 8192,
          "answered with the profile's token stream, GfxPlatform first, in the 8 KiB the "
          "helper reports for ADAPTER_INFO")
    s.step("device", "CreateDevice", kmt("CreateDevice"))
    s.step("pq", "CreatePagingQueue", kmt("CreatePagingQueue"))
    return s


def t_gpu():
    icd = prerequisites()
    p, trace = record(icd, "wsl2-intel-gpu", "gpu")
    check(p.returncode == 0, "clinfo -l exits 0 under the recorder (got %d)" % p.returncode)
    check(re.search(r"^Platform #0: Intel\(R\) OpenCL", p.stdout, re.M) is not None and
          re.search(r"^ `-- Device #0: Intel\(R\) Graphics \[0x9a49\]$", p.stdout, re.M) is not None,
          "clinfo -l lists the mock's Intel GPU: Intel(R) Graphics [0x9a49]")
    if not check(os.path.exists(trace), "the trace is written"):
        finish()
    calls = dump(trace)
    text = check_complete(trace, calls)
    check("complete" in text, "the trace has its trailer (state: complete)")
    check_links(calls)
    bad = ["%d %s" % (c["seq"], c["name"]) for c in calls if failed(c)]
    check(not bad, "no call failed%s" % (": " + ", ".join(bad) if bad else ""))

    s = discovery(calls, profile_adapter("wsl2-intel-gpu"))
    s.step("escape", "the GPU address space partition escape",
           lambda c: kmt("Escape")(c) and len(buf(c, "in", "priv_drv_data") or b"") > 0)
    s.step("reserve", "the SVM range: ReserveGpuVirtualAddress from 2 MiB up to 2^47",
           kmt("ReserveGpuVirtualAddress", base_address="0x200000", size="0x7fffffe00000"))
    s.step("ctx", "CreateContextVirtual (client hint 3, OpenCL)",
           kmt("CreateContextVirtual", client_hint=3))
    s.step("fence", "its monitored fence: CreateSynchronizationObject2 type 5",
           lambda c: kmt("CreateSynchronizationObject2")(c) and c["args"].get("info.type") == 5)
    s.step("alloc", "CreateAllocation2", kmt("CreateAllocation2"))
    s.step("lock", "Lock2", kmt("Lock2"))
    m = s.step("map", "MapGpuVirtualAddress", kmt("MapGpuVirtualAddress"))
    check(m is not None and int(m["args"].get("size_in_pages", 0)) >= 1,
          "the mapping covers at least one page (the GMM description survived the helper)")
    # The clean-up the runtime does from its static destructors, at exit:
    # the recorder finishes the trace after them.
    s.step("destroy-device", "at exit: DestroyDevice", kmt("DestroyDevice"))
    s.step("close", "at exit: CloseAdapter", kmt("CloseAdapter"))
    k = [c for c in calls if c["layer"] == "d3dkmt"]
    check(k and k[-1]["name"] == "D3DKMTCloseAdapter"
          and any(c["name"] == "D3DKMTDestroyContext" for c in k)
          and any(c["name"] == "D3DKMTDestroyAllocation2" for c in k),
          "the trace ends with the runtime's clean-up: contexts and allocations destroyed, "
          "the adapter closed last")

    # The full listing: every device query answered from the adapter info.
    p, trace = record(icd, "wsl2-intel-gpu", "full", args=())
    check(p.returncode == 0 and re.search(r"^Number of devices +1$", p.stdout, re.M) and
          re.search(r"^  Max compute units +96$", p.stdout, re.M) and
          re.search(r"^  Max clock frequency +1350MHz$", p.stdout, re.M),
          "the full clinfo listing completes: one device, 96 compute units at 1350 MHz, as the "
          "profile describes them")

    # A driver store without the helper (DXGMOCK_DRIVER_STORE names an
    # empty directory): the runtime aborts right after the path's read.
    empty = os.path.join(A.work, "empty-store")
    os.makedirs(empty, exist_ok=True)
    p, trace = record(icd, "wsl2-intel-gpu", "nohelper", {"DXGMOCK_DRIVER_STORE": empty})
    check(p.returncode == 134 and "Abort was called at 54 line" in p.stdout,
          "with DXGMOCK_DRIVER_STORE naming a store without the helper, the runtime aborts "
          "loading it (exit %d)" % p.returncode)
    calls = dump(trace)
    k = [c for c in calls if c["layer"] == "d3dkmt"]
    check(calls and all(c.get("returned") for c in calls) and len(k) >= 1 and
          kmt("QueryAdapterInfo", type=48)(k[-1]),
          "and the trace ends with the driver-store read, every call returned")
    finish()


def t_arc():
    icd = prerequisites()
    p, trace = record(icd, "wsl2-intel-arc", "arc")
    # NEO 22.43 gives the adapter up and then crashes in its own clean-up
    # (SIGSEGV): the recorder's fatal-signal path keeps every call.
    check("Device #" not in p.stdout,
          "clinfo -l lists no device: the runtime stops at the failed reservation (exit %d)"
          % p.returncode)
    calls = dump(trace)
    check(bool(calls) and all(c.get("returned") for c in calls),
          "every recorded call has its leave record (%d calls)" % len(calls or []))
    check(sorted(set(c["layer"] for c in calls or [])) == ["d3dkmt", "dxcore", "ioctl"],
          "layers dxcore, d3dkmt and ioctl")
    calls = calls or []
    s = discovery(calls, profile_adapter("wsl2-intel-arc"))
    r1 = s.step("r1", "ReserveGpuVirtualAddress of the SVM range (2 MiB up to 2^47)",
                kmt("ReserveGpuVirtualAddress", base_address="0x200000", size="0x7fffffe00000"))
    r2 = s.step("r2", "then 64 KiB anywhere within it, which succeeds",
                kmt("ReserveGpuVirtualAddress", base_address="0x0", minimum_address="0x200000",
                    maximum_address="0x800000000000", size="0x10000"))
    check(r2 is not None and not failed(r2), "the 64 KiB probe succeeds")
    bad = [c for c in calls if failed(c)]
    want = [("d3dkmt", "D3DKMTReserveGpuVirtualAddress"), ("ioctl", "LX_DXRESERVEGPUVIRTUALADDRESS")]
    check(sorted((c["layer"], c["name"]) for c in bad) == sorted(want) and r1 is not None
          and all(c["seq"] in (r1["seq"], r1["seq"] + 1) for c in bad),
          "the only failure is the SVM reservation, at both layers: %s"
          % ["%d %s" % (c["seq"], c["name"]) for c in bad])
    check(all(status(c) == 0xC0000023 for c in bad if c["layer"] == "d3dkmt") and
          all(c["errno"] == 75 for c in bad if c["layer"] == "ioctl"),
          "as the report's -75: -1 EOVERFLOW, 0xC0000023 STATUS_BUFFER_TOO_SMALL")
    asked = sorted(set(c["args"].get("type") for c in calls if kmt("QueryAdapterInfo")(c)))
    check(70 not in asked and 41 not in asked,
          "the profile's query faults do not bite: the runtime asks types %s only" % asked)
    k = [c for c in calls if c["layer"] == "d3dkmt"]
    after = [c["name"] for c in k if r2 and c["seq"] > r2["seq"]]
    check(after == ["D3DKMTDestroyPagingQueue", "D3DKMTDestroyDevice", "D3DKMTCloseAdapter"],
          "where it stops: after the probe it only undoes its set-up: %s" % after)
    check(not any(c["name"] == "D3DKMTCreateContextVirtual" for c in k),
          "no context is created")

    e = cli("explain", "--trace", trace)
    note("$ dxgtrace explain --trace %s: exit %d\n%s" % (trace, e.returncode, e.stdout))
    lines = [l for l in e.stdout.splitlines() if re.match(r"^\s+\d+\s+\d+ ", l)]
    check(len(lines) == 2 and r1 is not None and lines[0].split()[0] == str(r1["seq"]) and
          "D3DKMTReserveGpuVirtualAddress" in lines[0] and "0xC0000023" in lines[0],
          "explain --trace names the failed call: the reservation of the SVM range")
    check(re.search(r"^2 of \d+ calls failed$", e.stdout, re.M) is not None,
          "explain --trace: 2 calls failed (the D3DKMT call and its ioctl)")
    check(re.search(r"^\[7\] ReserveGpuVirtualAddress", e.stdout, re.M) is not None and
          re.search(r"^\[15\] ReserveGpuVirtualAddress", e.stdout, re.M) is not None and
          "gives" in e.stdout,
          "and says why: the field report's note [7] and what the runtime does next [15]")

    # The same host with the GPU's own product family.
    with open(os.path.join(A.profiles, "wsl2-intel-arc.json")) as f:
        prof = json.load(f)
    prof["name"] = "wsl2-intel-arc-arrowlake"
    info = prof["adapters"][0]["query_adapter_info"][0]["intel_adapter_info"]
    info["GfxPlatform"]["eProductFamily"] = 1273  # Arrow Lake, unknown to 22.43
    os.makedirs(A.work, exist_ok=True)
    path = os.path.join(A.work, "wsl2-intel-arc-arrowlake.json")
    with open(path, "w") as f:
        json.dump(prof, f, indent=1)
    p, trace = record(icd, path, "arrowlake")
    check("Device #" not in p.stdout, "with Arrow Lake's product family no device is listed")
    calls = dump(trace)
    check(calls and all(c.get("returned") for c in calls) and not any(failed(c) for c in calls),
          "every call returned and none failed")
    k = [c for c in calls if c["layer"] == "d3dkmt"]
    check(len(k) >= 2 and kmt("QueryAdapterInfo", type=0)(k[-2]) and k[-1]["name"] ==
          "D3DKMTCloseAdapter",
          "the runtime gives the adapter up right after the adapter info: %s"
          % ["%s%s" % (c["name"], "(type=%s)" % c["args"].get("type") if "type" in c["args"] else "")
             for c in k[-3:]])
    check(not any(c["name"] == "D3DKMTCreateDevice" for c in k), "and creates no device")
    note("clinfo exited %d: NEO 22.43 crashes in its own clean-up after giving the adapter up"
         % p.returncode if p.returncode else "clinfo exited 0")
    finish()


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--profiles", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--skip", default="")
    ap.add_argument("scenario", choices=["gpu", "arc"])
    A = ap.parse_args()
    {"gpu": t_gpu, "arc": t_arc}[A.scenario]()
    finish()


if __name__ == "__main__":
    main()
