#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `dxgtrace replay`.

Usage: run_replay.py [common options] TEST [ARGS...]

Each TEST records real programs with the recorder (libdxgtrace.so)
preloaded ahead of the mock host (libdxgmock.so), replays the trace with
`dxgtrace replay` and prints one line per check, "ok - ..." or
"not ok - ...". Exit status: 0 when every check passed, 1 when one failed,
77 when the test does not apply here (ctest SKIP_RETURN_CODE), 2 on a
usage error.

In an address-sanitizer build the mock and the recorder are instrumented,
so the sanitizer's runtime comes first in LD_PRELOAD (--runtime).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import check, finish, note, usage  # noqa: E402

A = None


def workdir(name):
    d = os.path.join(A.work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def base_env():
    return {k: v for k, v in os.environ.items()
            if k != "LD_PRELOAD" and not k.startswith(("DXGTRACE_", "DXGMOCK_"))}


def record(d, name, cmd, profile, layers=None):
    """Runs cmd under the recorder and the mock; returns the trace's path."""
    e = base_env()
    e["LD_PRELOAD"] = ":".join(x for x in (A.runtime, A.rec, A.mock) if x)
    e["DXGMOCK_PROFILE"] = profile
    out = os.path.join(d, name + ".dxgt")
    e["DXGTRACE_OUTPUT"] = out
    if layers:
        e["DXGTRACE_LAYERS"] = layers
    p = subprocess.run(cmd, cwd=d, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, errors="replace", timeout=120)
    if not os.path.exists(out):
        check(False, "%s writes a trace under %s" % (os.path.basename(cmd[0]), profile))
        note("%s exited %d without a trace:\n%s" % (cmd, p.returncode, p.stderr))
        finish()
    return out


def replay(*args, env=None):
    """`dxgtrace replay ARGS` -> CompletedProcess (text)."""
    e = base_env()
    e["DXGTRACE_NO_PROGRESS"] = "1"
    if env:
        e.update(env)
    return subprocess.run([A.cli, "replay"] + list(args), env=e, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, errors="replace", timeout=300)


def show(p):
    note("exit %d" % p.returncode)
    if p.stdout.strip():
        note("stdout:\n" + p.stdout[-3000:])
    if p.stderr.strip():
        note("stderr:\n" + p.stderr[-3000:])


def calls_of(path):
    """The calls of a trace (dump --json --blobs), in sequence order."""
    p = subprocess.run([A.cli, "dump", "--json", "--blobs", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    if p.returncode != 0:
        note("dump %s: %s" % (path, p.stderr))
        return []
    return [o for o in map(json.loads, p.stdout.splitlines()) if "meta" not in o]


def expect_clean(p, what):
    ok = p.returncode == 0 and "all results match the recording" in p.stdout
    if not check(ok, what):
        show(p)
    return ok


# ---- tests ----


def t_verify(args):
    """PROGRAM PROFILE: a recording replayed against its own profile, and
    against a profile made from it, verifies clean at each layer it has."""
    program, profile = args
    d = workdir("verify")
    t = record(d, program, [os.path.join(A.examples, program)], profile)
    layers = [l for l in ("d3dkmt", "ioctl") if any(c["layer"] == l for c in calls_of(t))]
    check(layers, "the trace holds calls to replay: %s" % layers)
    for layer in layers:
        expect_clean(replay("--profile", profile, "--verify", "--layer", layer, t),
                     "%s under %s, replayed at the %s layer against %s: exit 0, no mismatch"
                     % (program, profile, layer, profile))
        expect_clean(replay("--profile", "from-trace", "--verify", "--layer", layer, t),
                     "... and against --profile from-trace at the %s layer" % layer)
    finish()


def t_cross():
    """npu-probe recorded under wsl2-permissive, replayed under
    wsl2-intel-npu: the first mismatch is the first non-empty escape, the
    first of the four registration escapes (64 bytes)."""
    d = workdir("cross")
    t = record(d, "npu", [os.path.join(A.examples, "npu-probe")], "wsl2-permissive")
    calls = calls_of(t)
    for layer, name, want in (("d3dkmt", "D3DKMTEscape", "status 0x00000000 recorded, 0xC0000023 replayed"),
                              ("ioctl", "LX_DXESCAPE", "result 0 recorded, -1 EOVERFLOW replayed")):
        esc = [c for c in calls if c["layer"] == layer and c["name"] == name
               and any(b["name"] == "priv_drv_data" and b["orig_len"] > 0 for b in c["in"]["bufs"])]
        if not check(esc, "the trace has a non-empty %s" % name):
            continue
        size = [b["orig_len"] for b in esc[0]["in"]["bufs"] if b["name"] == "priv_drv_data"]
        check(len(esc) == 4 and size == [64],
              "%s layer: four non-empty escapes, the first of 64 bytes (%d, %s)" % (layer, len(esc), size))
        first = esc[0]["seq"]
        p = replay("--profile", "wsl2-intel-npu", "--verify", "--layer", layer, t)
        check(p.returncode == 1, "%s layer: exit 1 (mismatches)" % layer) or show(p)
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith("seq ")]
        check(lines and lines[0] == "seq %d: %s: %s" % (first, name, want),
              "%s layer: the first mismatch is seq %d, the first non-empty escape: %s"
              % (layer, first, lines[0] if lines else "none")) or show(p)
        check(re.search(r"mismatch(es)?, the first at seq %d\n" % first, p.stdout) is not None,
              "%s layer: the summary names seq %d" % (layer, first)) or show(p)
        # --only escapes keeps what the escapes need: the same first mismatch.
        p = replay("--profile", "wsl2-intel-npu", "--verify", "--layer", layer, "--only", "escapes", t)
        check(p.returncode == 1 and "the first at seq %d\n" % first in p.stdout,
              "%s layer, --only escapes: the same first mismatch" % layer) or show(p)
    finish()


def comparable(path):
    """dump --json --blobs of a trace with the t_* times taken out."""
    p = subprocess.run([A.cli, "dump", "--json", "--blobs", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    return re.sub(r'"t_(enter|leave)_ns":(\d+|null),', "", p.stdout) if p.returncode == 0 else None


def t_output():
    """Two replays of one trace with -o give the same trace but for times;
    the replay replays clean against the same profile."""
    d = workdir("output")
    t = record(d, "handles", [A.handles], "wsl2-permissive")
    outs = []
    for i in (1, 2):
        o = os.path.join(d, "replay%d.dxgt" % i)
        p = replay("--profile", "wsl2-permissive", "--verify", "-o", o, t)
        expect_clean(p, "replay %d with -o: exit 0" % i)
        outs.append(comparable(o))
    check(outs[0] is not None and outs[0] == outs[1] and outs[0].count('"seq"') > 20,
          "the two replays' dumps are identical once times are removed")
    check(outs[0] and '"tid":1,' in outs[0] and '"addr":"0x0"' in outs[0],
          "the replay trace has tid 1 and buffer addresses 0")
    expect_clean(replay("--profile", "wsl2-permissive", "--verify", os.path.join(d, "replay1.dxgt")),
                 "the replay itself replays clean")
    for layer in ("d3dkmt", "ioctl"):
        a, b = (os.path.join(d, "%s%d.dxgt" % (layer, i)) for i in (1, 2))
        replay("--profile", "from-trace", "--layer", layer, "-o", a, t)
        replay("--profile", "from-trace", "--layer", layer, "-o", b, t)
        ca, cb = comparable(a), comparable(b)
        check(ca is not None and ca == cb, "--profile from-trace at the %s layer: identical too" % layer)
    p = replay("--profile", "wsl2-permissive", "-o", t, t)
    check(p.returncode == 2 and "would overwrite the trace" in p.stderr,
          "-o naming the trace itself is refused") or show(p)
    finish()


def handle_values(path, name):
    """The handle fields of the first call named `name`, from its leave args."""
    for c in calls_of(path):
        if c["name"] == name:
            return c["out"]["args"]
    return None


def t_handles():
    """Objects created and destroyed interleaved (rep_handles): clean at
    both layers; with objects the trace does not show, every live handle
    differs from the recorded one and the replay is still clean; on a host
    with another LUID the adapter is mapped and reported."""
    d = workdir("handles")
    t = record(d, "handles", [A.handles], "wsl2-permissive")
    for layer in ("d3dkmt", "ioctl"):
        expect_clean(replay("--profile", "wsl2-permissive", "--verify", "--layer", layer, t),
                     "interleaved creation and destruction, %s layer: clean" % layer)
    expect_clean(replay("--profile", "from-trace", "--verify", t),
                 "... and against --profile from-trace")
    h = record(d, "hidden", [A.handles, "--hidden"], "wsl2-permissive", layers="d3dkmt")
    o = os.path.join(d, "hidden-replay.dxgt")
    expect_clean(replay("--profile", "wsl2-permissive", "--verify", "-o", o, h),
                 "with unrecorded objects taking the host's first slots: clean")
    rec, live = handle_values(h, "D3DKMTCreateDevice"), handle_values(o, "D3DKMTCreateDevice")
    check(rec is not None and live is not None and rec != live,
          "the live device handle differs from the recorded one (%s, %s)"
          % (rec and rec[:48], live and live[:48]))
    p = replay("--profile", "wsl2-intel-arc", "--verify", t)
    expect_clean(p, "on a host whose adapter has another LUID: clean")
    check("adapter LUID 0x00000000:0x000123ab (recorded) -> 0x00000000:0x000145c2 (live), by position\n" in p.stdout,
          "the LUID mapping is reported") or show(p)
    finish()


def t_threads(args):
    """A multi-threaded trace replays clean, in sequence order."""
    threads, n = args
    d = workdir("threads")
    t = record(d, "threads", [A.threads, threads, n], "wsl2-intel-npu")
    for layer in ("d3dkmt", "ioctl"):
        p = replay("--profile", "wsl2-intel-npu", "--verify", "--layer", layer, t)
        expect_clean(p, "%s threads x %s escapes, %s layer: clean" % (threads, n, layer))
        want = int(threads) * int(n) + 4
        check("replay: %d calls replayed" % want in p.stdout, "%d calls replayed" % want) or show(p)
    expect_clean(replay("--profile", "from-trace", "--verify", t), "... and against --profile from-trace")
    finish()


def t_damaged():
    """A trace cut short replays what it holds, with a note; one cut inside
    its first chunk has nothing to replay; a newer format is refused."""
    d = workdir("damaged")
    t = record(d, "threads", [A.threads, "4", "1000"], "wsl2-intel-npu")
    data = open(t, "rb").read()
    cut = os.path.join(d, "cut.dxgt")
    open(cut, "wb").write(data[:len(data) * 6 // 10])
    p = replay("--profile", "wsl2-intel-npu", "--verify", cut)
    m = re.search(r"replay: (\d+) calls replayed", p.stdout)
    check(p.returncode == 0 and m and 0 < int(m.group(1)) < 4004,
          "a trace cut at 60%%: exit 0, some calls replayed (%s)" % (m and m.group(1))) or show(p)
    check(re.search(r"note: .*cut\.dxgt: .*; the calls before it were replayed", p.stdout) is not None,
          "the cut is noted") or show(p)
    tiny = os.path.join(d, "tiny.dxgt")
    open(tiny, "wb").write(data[:100])
    p = replay("--profile", "wsl2-intel-npu", tiny)
    check(p.returncode == 2 and "holds no calls to replay" in p.stderr,
          "a trace cut inside its first chunk: exit 2, nothing to replay") or show(p)
    head = bytearray(data)
    head[8:10] = (2).to_bytes(2, "little")
    head[28:32] = zlib.crc32(bytes(head[:28])).to_bytes(4, "little")
    v2 = os.path.join(d, "v2.dxgt")
    open(v2, "wb").write(bytes(head))
    p = replay("--profile", "wsl2-intel-npu", "--verify", v2)
    check(p.returncode == 2 and p.stderr.strip() ==
          "dxgtrace: replay: %s: trace format version 2 is newer than this dxgtrace reads (1): "
          "refusing to replay it" % v2, "a newer major version: exit 2, one line naming it") or show(p)
    finish()


def t_backends():
    """The dxg backend on libdxgmock's emulated /dev/dxg and the dxcore
    backend on libdxgmock.so: clean, and escapes need --yes."""
    d = workdir("backends")
    t = record(d, "npu", [os.path.join(A.examples, "npu-probe")], "wsl2-permissive")
    mock_env = {"LD_PRELOAD": ":".join(x for x in (A.runtime, A.mock) if x),
                "DXGMOCK_PROFILE": "wsl2-permissive"}
    p = replay("--backend", "dxg", "--verify", t, env=mock_env)
    check(p.returncode == 2 and "pass --yes to send them" in p.stderr and "replay:" not in p.stdout,
          "dxg without --yes: refused before anything is sent (exit 2)") or show(p)
    p = replay("--backend", "dxg", "--yes", "--verify", t, env=mock_env)
    expect_clean(p, "dxg backend on the emulated /dev/dxg, --yes: clean (ioctl layer)")
    n_esc = len([c for c in calls_of(t) if c["name"] == "LX_DXESCAPE"])
    check(n_esc == 5 and len(re.findall(r"^dxgtrace: replay: sending LX_DXESCAPE to dxg:", p.stderr, re.M)) == n_esc,
          "each escape (%d: four for registration, one empty) is printed before it is sent" % n_esc) or show(p)
    dx_env = {"DXGMOCK_PROFILE": "wsl2-permissive"}
    if A.runtime:
        dx_env["LD_PRELOAD"] = A.runtime
    p = replay("--backend", "dxcore", "--library", A.mock, "--yes", "--verify", t, env=dx_env)
    expect_clean(p, "dxcore backend on libdxgmock.so, --yes: clean (d3dkmt layer)")
    dx_env["DXGMOCK_PROFILE"] = "wsl2-intel-npu"
    p = replay("--backend", "dxcore", "--library", A.mock, "--yes", "--verify", t, env=dx_env)
    check(p.returncode == 1 and "0xC0000023 replayed" in p.stdout,
          "dxcore backend on the NPU host: the escapes differ (exit 1)") or show(p)
    p = replay("--backend", "dxg", "--layer", "d3dkmt", "--yes", "--verify", t, env=mock_env)
    expect_clean(p, "dxg with --layer d3dkmt: the D3DKMT calls go as the ioctls libdxcore "
                    "would issue, clean")
    p = replay(t)
    check(p.returncode == 2 and "needs --profile" in p.stderr, "mock without --profile: exit 2") or show(p)
    p = replay("--profile", "no-such-profile", t)
    check(p.returncode == 2 and p.stderr.startswith("dxgtrace: replay: "),
          "an unknown profile: exit 2, one line") or show(p)
    finish()


def t_adapters():
    """Adapters whose LUIDs changed and whose order differs map by PCI
    vendor and device id where the trace has them, else by position."""
    d = workdir("adapters")
    here = os.path.dirname(os.path.abspath(__file__))
    t = record(d, "two", [os.path.join(A.examples, "npu-probe")],
               os.path.join(here, "two-adapters-recorded.json"))
    p = replay("--profile", os.path.join(here, "two-adapters-live.json"), "--verify", t)
    out = p.stdout
    check("adapter LUID 0x00000000:0x00000222 (recorded) -> 0x00000000:0x00000444 (live), "
          "by vendor and device id" in out,
          "the opened Arc (8086:7D51, LUID 0x222) maps to the live Arc (LUID 0x444) by its ids, "
          "though another adapter now comes first") or show(p)
    check("adapter LUID 0x00000000:0x00000111 (recorded) -> 0x00000000:0x00000333 (live), "
          "by position" in out,
          "the other adapter, whose ids the trace never read, maps by position") or show(p)
    mism = [ln for ln in out.splitlines() if ln.startswith("seq ")]
    check(p.returncode == 1 and mism and all(ln.startswith("seq 3: D3DKMTEnumAdapters3") for ln in mism),
          "only the enumeration (in the host's new order) differs; open, the PCI-id query and the "
          "escapes replay clean on the right adapter (%d mismatch lines)" % len(mism)) or show(p)
    finish()


TESTS = {
    "verify": (t_verify, 2),
    "cross": (t_cross, 0),
    "output": (t_output, 0),
    "handles": (t_handles, 0),
    "threads": (t_threads, 2),
    "damaged": (t_damaged, 0),
    "backends": (t_backends, 0),
    "adapters": (t_adapters, 0),
}


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--rec", required=True)
    ap.add_argument("--mock", required=True)
    ap.add_argument("--runtime", default="")
    ap.add_argument("--examples", required=True)
    ap.add_argument("--handles", required=True)
    ap.add_argument("--threads", required=True)
    ap.add_argument("--profiles", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("test", choices=sorted(TESTS))
    ap.add_argument("args", nargs=argparse.REMAINDER)
    A = ap.parse_args()
    fn, nargs = TESTS[A.test]
    if len(A.args) != nargs:
        usage("%s takes %d arguments" % (A.test, nargs))
    os.makedirs(A.work, exist_ok=True)
    fn(A.args) if nargs else fn()
    finish()


if __name__ == "__main__":
    main()
