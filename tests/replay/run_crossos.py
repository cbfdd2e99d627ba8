#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cross-OS replay tests (docs/cross-os.md): a Windows capture replayed
inside the mock WSL2 host, and a Windows capture as the host profile of a
WSL2 recording.

Usage: run_crossos.py [common options] TEST

The Windows capture comes from mkwin (a host record naming Windows x64,
D3DKMT calls only): EnumAdapters3, OpenAdapterFromLuid with a LUID the mock
does not have, QueryAdapterInfo 31 (8086:7D1D), 15 (compute-only and
display, not paravirtualized), 48 (the driver-store path, a Windows folder,
2-byte WCHAR layout), CreateDevice, escapes of 0, 64 and 568 bytes that
succeed. The profiles crossos-*.json are the shipped wsl2-permissive and
wsl2-intel-npu with a driver-store answer (/usr/lib/wsl/drivers/...), so
that the path query is answered and compared.

One line per check, "ok - ..." or "not ok - ...". Exit status: 0 all
passed, 1 one failed, 77 not applicable here, 2 usage.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import check, finish, note, skip  # noqa: E402

A = None
STORE_NOTE = ("a host/guest difference by design: the driver-store and driver-image paths "
              "name a Windows folder on the host")
TYPE_NOTE = "a host/guest difference by design: the guest driver rewrites the adapter type"


def base_env():
    return {k: v for k, v in os.environ.items()
            if k != "LD_PRELOAD" and not k.startswith(("DXGTRACE_", "DXGMOCK_"))}


def run(cmd, env=None):
    e = base_env()
    e["DXGTRACE_NO_PROGRESS"] = "1"
    if env:
        e.update(env)
    return subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=300)


def replay(*args, env=None):
    return run([A.cli, "replay"] + list(args), env=env)


def show(p):
    note("exit %d" % p.returncode)
    if p.stdout.strip():
        note("stdout:\n" + p.stdout[-4000:])
    if p.stderr.strip():
        note("stderr:\n" + p.stderr[-4000:])


def dump(path):
    """Records of a trace (dump --json --blobs): metas and calls."""
    p = run([A.cli, "dump", "--json", "--blobs", path])
    if p.returncode != 0:
        note("dump %s: %s" % (path, p.stderr))
        return []
    return [json.loads(ln) for ln in p.stdout.splitlines()]


def calls_of(path):
    return [o for o in dump(path) if "meta" not in o]


def profile(name):
    return os.path.join(A.here, name + ".json")


def windows_trace():
    d = os.path.join(A.work)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    t = os.path.join(d, "windows.dxgt")
    p = run([A.mkwin, t])
    if p.returncode != 0:
        check(False, "mkwin writes the Windows capture")
        show(p)
        finish()
    return t


def seq_of(calls, name, pred=lambda c: True):
    for c in calls:
        if c["name"] == name and pred(c):
            return c["seq"]
    return None


def qai(type_):
    return lambda c: c.get("args", {}).get("type") == type_


def esc_len(c):
    return sum(b["orig_len"] for b in c["in"]["bufs"] if b["name"] == "priv_drv_data")


def lines(p, prefix):
    return [ln for ln in p.stdout.splitlines() if ln.startswith(prefix)]


# ---- tests ----


def t_permissive():
    """On a host where the NPU works, the Windows capture replays clean:
    only the by-design differences are noted; adapters map by PCI ids."""
    t = windows_trace()
    calls = calls_of(t)
    s15, s48 = seq_of(calls, "D3DKMTQueryAdapterInfo", qai(15)), seq_of(calls, "D3DKMTQueryAdapterInfo", qai(48))
    check(s15 and s48, "the capture holds QueryAdapterInfo 15 (seq %s) and 48 (seq %s)" % (s15, s48))
    p = replay("--profile", profile("crossos-permissive"), "--verify", t)
    check(p.returncode == 0 and "all results match the recording" in p.stdout,
          "exit 0, every result matches") or show(p)
    check(not lines(p, "seq "), "no mismatch line") or show(p)
    check("(a Windows capture)" in p.stdout, "the replay says it replays a Windows capture") or show(p)
    check("adapter LUID 0x00000001:0x00004567 (recorded) -> 0x00000000:0x000123ab (live), "
          "by vendor and device id" in p.stdout,
          "the Windows LUID maps to the mock's adapter by vendor and device id") or show(p)
    n15 = "note: seq %s: QueryAdapterInfo type 15: %s" % (s15, TYPE_NOTE)
    n48 = "note: seq %s: QueryAdapterInfo type 48: %s" % (s48, STORE_NOTE)
    check(any(ln.startswith(n15) for ln in p.stdout.splitlines()),
          "a note for the adapter type (seq %s)" % s15) or show(p)
    check(any(ln.startswith(n48) for ln in p.stdout.splitlines()),
          "a note for the driver-store path (seq %s)" % s48) or show(p)
    check(len(lines(p, "note: ")) == 2, "no other note (%d)" % len(lines(p, "note: "))) or show(p)
    check("; 2 host/guest differences by design (noted, not counted)" in p.stdout,
          "the summary counts the two by-design differences") or show(p)
    # The same on the shipped wsl2-permissive profile, which has no
    # driver-store answer: then the query really differs.
    p = replay("--profile", "wsl2-permissive", "--verify", t)
    m = lines(p, "seq ")
    check(p.returncode == 1 and m and m[0].startswith("seq %s: D3DKMTQueryAdapterInfo: " % s48),
          "against the shipped wsl2-permissive (no registry entries) the path query fails: "
          "a real mismatch at seq %s, not a note" % s48) or show(p)
    finish()


def t_intel_npu():
    """On the NPU host of the report the first mismatch is the first
    non-empty escape, as in the WSL2 recording."""
    t = windows_trace()
    calls = calls_of(t)
    first = seq_of(calls, "D3DKMTEscape", lambda c: esc_len(c) > 0)
    check(first and esc_len([c for c in calls if c["seq"] == first][0]) == 64,
          "the first non-empty escape (seq %s) is the 64-byte one" % first)
    p = replay("--profile", profile("crossos-intel-npu"), "--verify", t)
    m = lines(p, "seq ")
    check(p.returncode == 1, "exit 1") or show(p)
    check(m and m[0] == "seq %s: D3DKMTEscape: status 0x00000000 recorded, 0xC0000023 replayed" % first,
          "the first mismatch: %s" % (m[0] if m else "none")) or show(p)
    check(len(m) == 2 and all(": D3DKMTEscape: status 0x00000000 recorded, 0xC0000023 replayed" in x
                              for x in m),
          "the two non-empty escapes are the only mismatches") or show(p)
    check(re.search(r"2 mismatches, the first at seq %s; 2 host/guest differences by design" % first,
                    p.stdout) is not None, "the summary") or show(p)
    finish()


def t_host_differences():
    """--host-differences: the adapter type and the driver store become
    mismatches."""
    t = windows_trace()
    calls = calls_of(t)
    s15, s48 = seq_of(calls, "D3DKMTQueryAdapterInfo", qai(15)), seq_of(calls, "D3DKMTQueryAdapterInfo", qai(48))
    p = replay("--profile", profile("crossos-permissive"), "--verify", "--host-differences", t)
    m = lines(p, "seq ")
    check(p.returncode == 1, "exit 1") or show(p)
    check(len(m) == 2 and m[0].startswith("seq %s: D3DKMTQueryAdapterInfo: buffer private_data differs at byte 0: %s"
                                          % (s15, TYPE_NOTE)),
          "the adapter type is a mismatch: %s" % (m[0] if m else "none")) or show(p)
    check(len(m) == 2 and m[1].startswith("seq %s: D3DKMTQueryAdapterInfo: buffer private_data differs at byte "
                                          % s48) and STORE_NOTE in m[1],
          "the driver-store path is a mismatch: %s" % (m[1] if len(m) > 1 else "none")) or show(p)
    check("2 mismatches, the first at seq %s; 2 host/guest differences by design (counted)" % s15
          in p.stdout, "the summary") or show(p)
    check(not lines(p, "note: seq"), "no by-design note") or show(p)
    finish()


def t_output():
    """-o: the replay is a Linux recording of what was sent (QUERYREGISTRY
    in the 1072-byte layout) and says it replayed a Windows capture."""
    t = windows_trace()
    out = os.path.join(A.work, "replay.dxgt")
    p = replay("--profile", profile("crossos-permissive"), "--verify", "-o", out, t)
    check(p.returncode == 0 and os.path.exists(out), "replayed with -o") or show(p)
    recs = dump(out)
    metas = [r for r in recs if "meta" in r]
    opts = [r["fields"] for r in metas if r.get("meta") == "options"]
    host = [r["fields"] for r in metas if r.get("meta") == "host"]
    check(opts and opts[0].get("replay_of") == "windows.dxgt" and opts[0].get("replay_of_os") == "windows",
          "the options record names the replayed trace and that it was a Windows capture: %s"
          % (opts[0] if opts else None)) or note(metas)
    check(host and host[0].get("os") == "linux", "the output's host record says linux") or note(metas)
    def size(c):  # D3DKMT_QUERYADAPTERINFO.PrivateDriverDataSize, at offset 16
        return int.from_bytes(bytes.fromhex(c["in"]["args"])[16:20], "little")
    q = [c for c in recs if "meta" not in c and c["name"] == "D3DKMTQueryAdapterInfo"
         and qai(48)(c)]
    sizes = [size(c) for c in q]
    bufs = [b["orig_len"] for c in q for b in c["in"]["bufs"] if b["name"] == "private_data"]
    win = [c for c in calls_of(t) if c["name"] == "D3DKMTQueryAdapterInfo" and qai(48)(c)]
    wsize = size(win[0]) if win else None
    check(wsize == 552 + 520 - 8 and sizes == [1064 + 2 * 520] and bufs == sizes,
          "the path query was sent in the Linux layout: %s bytes recorded (Windows), %s sent"
          % (wsize, sizes)) or note(q)
    # What was sent replays clean as the Linux recording it is.
    p = replay("--profile", profile("crossos-permissive"), "--verify", out)
    check(p.returncode == 0 and "all results match the recording" in p.stdout
          and "host/guest" not in p.stdout and "Windows" not in p.stdout,
          "the output replays clean as a Linux recording, no cross-OS notes") or show(p)
    finish()


def t_self():
    """A Windows capture against the profile made from itself (an emulation
    of its own Windows host): clean, nothing by design to note."""
    t = windows_trace()
    p = replay("--profile", "from-trace", "--verify", t)
    check(p.returncode == 0 and "all results match the recording" in p.stdout,
          "exit 0, every result matches") or show(p)
    check("host/guest" not in p.stdout, "no host/guest difference: both sides are the Windows host") or show(p)
    check("(emulating a Windows host)" in p.stdout, "the replay says the mock emulates a Windows host") or show(p)
    finish()


def t_dxg():
    """The dxg backend on libdxgmock's emulated /dev/dxg: a Windows
    capture's D3DKMT calls go as the ioctls libdxcore would issue."""
    t = windows_trace()
    env = {"LD_PRELOAD": ":".join(x for x in (A.runtime, A.mock) if x),
           "DXGMOCK_PROFILE": profile("crossos-permissive")}
    p = replay("--backend", "dxg", "--verify", t, env=env)
    check(p.returncode == 2 and "pass --yes" in p.stderr, "escapes need --yes") or show(p)
    p = replay("--backend", "dxg", "--yes", "--verify", t, env=env)
    check(p.returncode == 0 and "replaying the d3dkmt calls of" in p.stdout
          and "all results match the recording" in p.stdout
          and "2 host/guest differences by design" in p.stdout,
          "dxg backend, --yes: the d3dkmt calls replay clean, by-design differences noted") or show(p)
    finish()


def t_from_trace():
    """--profile from-trace:WINDOWS.dxgt: a WSL2 recording of npu-probe on
    the NPU host replayed against the Windows host the capture shows: the
    escapes that failed in WSL2 succeed."""
    if not os.path.exists(os.path.join(A.examples, "npu-probe")):
        skip("no npu-probe here")
    win = windows_trace()
    lin = os.path.join(A.work, "npu.dxgt")
    e = base_env()
    e["LD_PRELOAD"] = ":".join(x for x in (A.runtime, A.rec, A.mock) if x)
    e["DXGMOCK_PROFILE"] = "wsl2-intel-npu"
    e["DXGTRACE_OUTPUT"] = lin
    subprocess.run([os.path.join(A.examples, "npu-probe")], cwd=A.work, env=e,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if not check(os.path.exists(lin), "npu-probe recorded under wsl2-intel-npu"):
        finish()
    calls = calls_of(lin)
    failing = [c["seq"] for c in calls if c["name"] == "D3DKMTEscape" and esc_len(c) > 0
               and str(c.get("status")).upper() == "0XC0000023"]
    check(failing, "the recording's non-empty escapes failed with 0xC0000023 (seq %s)" % failing) or note(
        [c for c in calls if c["name"] == "D3DKMTEscape"][:2])
    p = replay("--profile", "wsl2-intel-npu", "--verify", lin)
    check(p.returncode == 0, "against its own host it replays clean") or show(p)
    p = replay("--profile", "from-trace:" + win, "--verify", lin)
    m = lines(p, "seq ")
    esc = [ln for ln in m if ": D3DKMTEscape: " in ln]
    want = ["seq %d: D3DKMTEscape: status 0xC0000023 recorded, 0x00000000 replayed" % s for s in failing]
    check(p.returncode == 1 and esc == want,
          "against the Windows host every failing escape succeeds:\n%s" % "\n".join(esc)) or show(p)
    check("(emulating a Windows host)" in p.stdout, "the replay says the mock emulates a Windows host") or show(p)
    check(re.search(r"adapter LUID 0x00000000:0x000123ab \(recorded\) -> 0x00000001:0x00004567 \(live\), "
                    r"by vendor and device id", p.stdout) is not None,
          "the WSL2 adapter maps to the Windows one by vendor and device id") or show(p)
    check(bool(want and m and m[0] == want[0]),
          "nothing before the first escape differs but by design (first mismatch %s)"
          % (m[0] if m else "none")) or show(p)
    bad = run([A.cli, "replay", "--profile", "from-trace:", lin])
    check(bad.returncode == 2 and "from-trace:FILE" in bad.stderr, "from-trace: with no file: exit 2") or show(bad)
    bad = run([A.cli, "replay", "--profile", "from-trace:" + os.path.join(A.work, "nope.dxgt"), lin])
    check(bad.returncode == 2 and "nope.dxgt" in bad.stderr, "from-trace: a missing file: exit 2") or show(bad)
    finish()


TESTS = {
    "permissive": t_permissive,
    "intel_npu": t_intel_npu,
    "host_differences": t_host_differences,
    "output": t_output,
    "self": t_self,
    "dxg": t_dxg,
    "from_trace": t_from_trace,
}


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--mkwin", required=True)
    ap.add_argument("--rec", required=True)
    ap.add_argument("--mock", required=True)
    ap.add_argument("--runtime", default="")
    ap.add_argument("--examples", required=True)
    ap.add_argument("--here", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("test", choices=sorted(TESTS))
    A = ap.parse_args()
    os.makedirs(A.work, exist_ok=True)
    TESTS[A.test]()
    finish()


if __name__ == "__main__":
    main()
