#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of the recorder, libdxgtrace.so.

Usage: run_recorder.py [common options] TEST [ARGS...]

Each TEST runs real programs with the recorder preloaded ahead of the mock
host (libdxgmock.so), reads the trace back with `dxgtrace dump --json` (or
a C checker for the big one) and prints one line per check, "ok - ..." or
"not ok - ...", like TAP. Exit status: 0 when every check passed, 1 when
one failed, 77 when the test does not apply here (ctest SKIP_RETURN_CODE),
2 on a usage error.

In a sanitizer build the recorder and the mock are instrumented, so the
sanitizer's runtime has to be the first thing in LD_PRELOAD (--runtime);
everything run "without the recorder" gets the runtime and the mock only,
so the two runs differ in the recorder alone. Programs that are not ours
(bash, python, git, clinfo) run with leak detection off in an ASan build:
their own leaks are not the recorder's.

Every run gets a fresh directory under --work, the recorder's output
pattern pointing into it, and an environment without LD_PRELOAD and
without any DXGTRACE_* or DXGMOCK_* variable inherited from the caller.
"""

import argparse
import errno as errno_mod
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import check, finish, note, skip, usage  # noqa: E402

A = None  # the parsed common options


# ---- running programs ----


def workdir(name):
    d = os.path.join(A.work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def base_env():
    env = {k: v for k, v in os.environ.items()
           if k != "LD_PRELOAD" and not k.startswith(("DXGTRACE_", "DXGMOCK_"))}
    return env


def preload(rec=True, mock=True):
    libs = []
    if A.runtime:
        libs.append(A.runtime)
    if rec:
        libs.append(A.rec)
    if mock:
        libs.append(A.mock)
    return ":".join(libs)


def run(cmd, cwd, rec=True, mock=True, profile="wsl2-intel-npu", env=None,
        foreign=False, timeout=60, umask=None):
    """Runs cmd with the recorder and/or the mock preloaded; the trace goes
    to cwd. Returns the CompletedProcess (stdout and stderr as text)."""
    e = base_env()
    if rec or mock or A.runtime:
        pre = preload(rec, mock)
        if pre:
            e["LD_PRELOAD"] = pre
    if mock:
        e["DXGMOCK_PROFILE"] = profile
    if rec:
        e["DXGTRACE_OUTPUT"] = os.path.join(cwd, "%e.%p.dxgt")
    if foreign and A.sanitize == "address":
        e["ASAN_OPTIONS"] = "detect_leaks=0"
    if env:
        e.update(env)
    pre_fn = None
    if umask is not None:
        def pre_fn():
            os.umask(umask)
    return subprocess.run(cmd, cwd=cwd, env=e, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, errors="replace",
                          timeout=timeout, preexec_fn=pre_fn)


def show_run(what, p):
    note("%s: exit %s" % (what, p.returncode))
    if p.stderr.strip():
        note("stderr:\n" + p.stderr)


def traces(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".dxgt") or ".dxgt." in f)


def cli(*args, timeout=120):
    return subprocess.run([A.cli] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, errors="replace",
                          timeout=timeout)


def dump(path):
    """(metas, calls) from dump --json --blobs; calls in sequence order."""
    p = cli("dump", "--json", "--blobs", path)
    if p.returncode != 0:
        note("dxgtrace dump --json %s exited %d:\n%s" % (path, p.returncode, p.stderr))
        return None, None
    metas, calls = [], []
    for line in p.stdout.splitlines():
        obj = json.loads(line)
        (metas if "meta" in obj else calls).append(obj)
    return metas, calls


def info(path):
    p = cli("info", path)
    return p.returncode, p.stdout + p.stderr


def buf_hex(call, side, name):
    """The stored bytes of buffer `name` on side "in"/"out", or None."""
    s = call.get(side)
    if not s:
        return None
    for b in s["bufs"]:
        if b["name"] == name and b["level"] == 0:
            return b.get("hex", "")
    return None


def tagged_payload(magic, role, index, length):
    """rec_common.h's rec_payload()."""
    b = bytearray((i * 13 + 5) & 0xFF for i in range(length))
    head = magic.encode() + role.to_bytes(4, "little") + \
        index.to_bytes(4, "little") + length.to_bytes(4, "little")
    n = min(16, length)
    b[:n] = head[:n]
    return bytes(b)


def probe_payload(length):
    """examples/probe_common.c's probe_payload()."""
    tag = b"DXGTPROBE"
    out = bytearray()
    for i in range(length):
        if i < len(tag):
            out.append(tag[i])
        elif i < len(tag) + 4:
            out.append((length >> (8 * (i - len(tag)))) & 0xFF)
        else:
            out.append((i * 7 + 3) & 0xFF)
    return bytes(out)


def tag_of(call, side="in"):
    """(magic, role, index, length) of a tagged escape payload, or None."""
    h = buf_hex(call, side, "priv_drv_data")
    if not h or len(h) < 32:
        return None
    b = bytes.fromhex(h)
    return (b[:4].decode("latin-1"), int.from_bytes(b[4:8], "little"),
            int.from_bytes(b[8:12], "little"), int.from_bytes(b[12:16], "little"))


KMT_LINE = re.compile(r"^(D3DKMT\w+)\((.*?)\) = 0x([0-9A-F]{8})\b")
IOCTL_LINE = re.compile(r"^(LX_DX\w+)\((.*?)\) = (0|-1 (\w+))\b")


def printed_calls(stdout):
    """The calls a program printed: dicts with name, what, status or ret/errno."""
    out = []
    for line in stdout.splitlines():
        m = KMT_LINE.match(line)
        if m:
            out.append({"name": m.group(1), "what": m.group(2),
                        "status": int(m.group(3), 16), "line": line})
            continue
        m = IOCTL_LINE.match(line)
        if m:
            err = m.group(4)
            out.append({"name": m.group(1), "what": m.group(2),
                        "ret": 0 if m.group(3) == "0" else -1,
                        "errno": getattr(errno_mod, err, -1) if err else 0,
                        "line": line})
    return out


def status_of(call):
    return int(call["status"], 16) if call.get("status") else None


def ioctl_name(kmt_name):
    return "LX_DX" + kmt_name[len("D3DKMT"):].upper()


# What the mock's D3DKMT layer returns for an ioctl errno (docs/mock-host.md).
ERRNO_STATUS = {errno_mod.EOVERFLOW: 0xC0000023, errno_mod.EBADF: 0xC0000008}


def check_layers(calls, printed, top="d3dkmt"):
    """The common part: the top layer's calls are exactly the printed ones,
    in order, with the printed results; with top == "d3dkmt", each has its
    ioctl(s) right below it, linked by parent, with the matching result.
    Returns {index of printed call: trace call}."""
    by_seq = {c["seq"]: c for c in calls}
    tops = [c for c in calls if c["layer"] == top]
    names = [c["name"] for c in tops]
    want = [p["name"] for p in printed]
    check(names == want, "%s layer: %d calls, in the order the program made them%s"
          % (top, len(want), "" if names == want else ": got %s, printed %s" % (names, want)))
    seqs = [c["seq"] for c in calls]
    check(len(set(seqs)) == len(seqs) and seqs == sorted(seqs),
          "sequence numbers unique (%d calls)" % len(seqs))
    check(all(c["returned"] for c in calls), "every call has its leave record")
    matched = {}
    bad = []
    for i, (c, p) in enumerate(zip(tops, printed)):
        matched[i] = c
        if "status" in p:
            if status_of(c) != p["status"] or c["ret"] != (p["status"] ^ 0x80000000) - 0x80000000:
                bad.append("%s: trace %s ret %s, printed 0x%08X" % (p["line"], c["status"], c["ret"], p["status"]))
        else:
            if c["ret"] != p["ret"] or c["errno"] != p["errno"]:
                bad.append("%s: trace ret %s errno %s" % (p["line"], c["ret"], c["errno"]))
        # Handles the program printed (adapter=A2, device=D1) as the trace names them.
        for key, val in re.findall(r"\b(adapter|device|context)=([ACD]\d+)", p["what"] + p["line"].split(")", 1)[-1]):
            vals = [v for k, v in c["args"].items() if k.startswith(key)]
            if val not in vals:
                bad.append("%s: %s=%s, trace args %s" % (p["line"], key, val, c["args"]))
    check(not bad, "results and handles as the program printed them" + ("".join("\n    " + b for b in bad)))
    if top != "d3dkmt":
        check(all(c["parent"] == 0 for c in calls), "no parent links (ioctls made directly)")
        return matched
    # Every ioctl is a child of a D3DKMT call, right after it, inside it.
    bad = []
    kids = {c["seq"]: [] for c in tops}
    for c in calls:
        if c["layer"] != "ioctl":
            continue
        par = by_seq.get(c["parent"])
        if not par or par["layer"] != "d3dkmt":
            bad.append("ioctl seq %d %s: parent %d is not a D3DKMT call" % (c["seq"], c["name"], c["parent"]))
            continue
        kids[par["seq"]].append(c)
        if c["tid"] != par["tid"] or not (par["t_enter_ns"] <= c["t_enter_ns"] and c["t_leave_ns"] <= par["t_leave_ns"]):
            bad.append("ioctl seq %d not inside its parent %d in time and thread" % (c["seq"], par["seq"]))
    for i, c in enumerate(tops):
        k = kids[c["seq"]]
        nxt = tops[i + 1]["seq"] if i + 1 < len(tops) else 1 << 62
        if not k:
            bad.append("%s seq %d has no ioctl below it" % (c["name"], c["seq"]))
            continue
        if any(not (c["seq"] < x["seq"] < nxt) for x in k):
            bad.append("%s seq %d: its ioctls are not between it and the next D3DKMT call" % (c["name"], c["seq"]))
        last = k[-1]
        if last["name"] != ioctl_name(c["name"]):
            bad.append("%s seq %d: ioctl %s" % (c["name"], c["seq"], last["name"]))
        st = status_of(c)
        if (st == 0) != (last["ret"] == 0) or (last["ret"] != 0 and st != ERRNO_STATUS.get(last["errno"], 0xC000000D)):
            bad.append("%s seq %d = 0x%08X over %s = %s errno %s" % (c["name"], c["seq"], st, last["name"], last["ret"], last["errno"]))
    check(not bad, "each D3DKMT call followed by its ioctl, parent linking to it, results consistent"
          + "".join("\n    " + b for b in bad))
    return matched


def check_payloads(calls, expect):
    """expect(call) -> the bytes the program sent for this escape-like call,
    or None to skip it; both layers' ENTER buffers must hold exactly them."""
    n, bad = 0, []
    for c in calls:
        want = expect(c)
        if want is None:
            continue
        n += 1
        got = buf_hex(c, "in", "priv_drv_data")
        if len(want) == 0:
            if got not in (None, ""):
                bad.append("seq %d %s: %d bytes recorded for an empty payload" % (c["seq"], c["name"], len(got) // 2))
        elif got != want.hex():
            bad.append("seq %d %s: recorded %s..., sent %s..." % (c["seq"], c["name"], (got or "")[:40], want.hex()[:40]))
    check(n > 0 and not bad, "payload bytes recorded = bytes sent (%d calls)" % n + "".join("\n    " + b for b in bad))


def one_trace(d, prefix):
    t = traces(d)
    check(len(t) == 1 and t[0].startswith(prefix + "."), "one trace file %s.<pid>.dxgt: %s" % (prefix, t))
    return os.path.join(d, t[0]) if t else None


# ---- 1. the probes under every profile ----


def t_probe(args):
    program, profile = args
    exe = os.path.join(A.examples, program)
    base = run([exe], workdir("base"), rec=False, profile=profile)
    d = workdir("rec")
    p = run([exe], d, profile=profile)
    show_run("%s under %s, recorded" % (program, profile), p)
    note(p.stdout)
    check(p.stdout == base.stdout and p.returncode == base.returncode,
          "stdout and exit status (%d) as without the recorder" % base.returncode)
    path = one_trace(d, program)
    if not path:
        return finish()
    metas, calls = dump(path)
    if calls is None:
        check(False, "dump --json reads the trace")
        return finish()
    printed = printed_calls(p.stdout)
    layers = sorted(set(c["layer"] for c in calls))
    want_layers = ["d3dkmt", "ioctl"] if program == "npu-probe" else ["ioctl"]
    check(layers == want_layers, "layers in the trace: %s" % layers)
    top = "d3dkmt" if program == "npu-probe" else "ioctl"
    matched = check_layers(calls, printed, top)
    sent = {}
    for i, pp in enumerate(printed):
        m = re.search(r"size=(\d+)", pp["what"])
        if m and i in matched:
            sent[matched[i]["seq"]] = probe_payload(int(m.group(1)))
    for c in calls:
        if c["layer"] == "ioctl" and c["parent"] in sent:
            sent[c["seq"]] = sent[c["parent"]]
    check_payloads(calls, lambda c: sent.get(c["seq"]))
    # The adapters listed: the LUIDs in the enumeration's output buffer are
    # the ones printed, and the profile's adapters with those LUIDs.
    with open(os.path.join(A.profiles, profile + ".json")) as f:
        prof = json.load(f)
    by_luid = {int(a["luid"], 16): a for a in prof["adapters"]}
    printed_luids = [int(h, 16) << 32 | int(lo, 16) for h, lo in
                     re.findall(r"adapter\[\d+\] luid=0x([0-9a-f]+):0x([0-9a-f]+)", p.stdout)]
    for layer in want_layers:
        enum = [c for c in calls if c["layer"] == layer and c["name"].endswith(("EnumAdapters3", "ENUMADAPTERS3"))]
        h = buf_hex(enum[-1], "out", "adapters") if enum else None
        luids = []
        if h:
            b = bytes.fromhex(h)
            luids = [int.from_bytes(b[i + 4:i + 8], "little") | int.from_bytes(b[i + 8:i + 12], "little") << 32
                     for i in range(0, len(b) - 19, 20)]
        ids = ["%s:%s" % (by_luid[x]["vendor"][2:], by_luid[x]["device"][2:]) if x in by_luid else "?" for x in luids]
        check(luids and luids == printed_luids and "?" not in ids,
              "%s enumeration lists LUIDs %s = printed, the profile's %s"
              % (layer, ["0x%x" % x for x in luids], ids))
        if profile == "wsl2-intel-npu":
            check([i.lower() for i in ids] == ["8086:7d1d"], "%s enumeration finds 8086:7D1D" % layer)
    # PCI ids the probe printed from QueryAdapterInfo type 31 (device ids):
    # u32 words 1 and 2 of the output buffer, at both layers.
    for i, pp in enumerate(printed):
        m = re.search(r"pci=([0-9A-F]{4}):([0-9A-F]{4})", pp["line"])
        if not m or i not in matched:
            continue
        pci = (int(m.group(1), 16), int(m.group(2), 16))
        qai = [matched[i]] + [c for c in calls if c["parent"] == matched[i]["seq"]]
        got = []
        for c in qai:
            b = bytes.fromhex(buf_hex(c, "out", "private_data") or "")
            got.append((int.from_bytes(b[4:8], "little"), int.from_bytes(b[8:12], "little")) if len(b) >= 12 else None)
        check(len(got) == 2 and all(g == pci for g in got),
              "%s: device ids %04X:%04X in the output buffer at both layers (%s)"
              % (matched[i]["name"], pci[0], pci[1], got))
        if profile == "wsl2-intel-npu":
            check(pci == (0x8086, 0x7D1D), "QueryAdapterInfo finds 8086:7D1D")
    if profile == "wsl2-intel-npu":
        # The report's sequence: the UMD's four registration escapes all
        # fail, then the empty escape, the report's check, succeeds.
        name = "D3DKMTEscape" if program == "npu-probe" else "LX_DXESCAPE"
        esc = [c for c in calls if c["layer"] == top and c["name"] == name]
        sizes = [sum(b["orig_len"] for b in c["in"]["bufs"] if b["name"] == "priv_drv_data") for c in esc]
        ok = [c["returned"] and c["ret"] == 0 for c in esc]
        check(sizes == [64, 568, 24, 40, 0] and ok == [False] * 4 + [True],
              "%s: escapes of %s bytes, succeeded %s: the four registration escapes fail, "
              "the empty one after them succeeds" % (name, sizes, ok))
    if profile == "wsl2-intel-npu" and program == "npu-probe":
        esc = [c for c in calls if c["layer"] == "d3dkmt" and c["name"] == "D3DKMTEscape"
               and (buf_hex(c, "in", "priv_drv_data") or "") == probe_payload(568).hex()]
        kid = [c for c in calls if esc and c["parent"] == esc[0]["seq"]]
        check(len(esc) == 1 and esc[0]["status"] == "0xc0000023" and len(kid) == 1
              and kid[0]["name"] == "LX_DXESCAPE" and kid[0]["ret"] == -1 and kid[0]["errno"] == errno_mod.EOVERFLOW,
              "the 568-byte D3DKMTEscape = 0xC0000023 over LX_DXESCAPE = -1 EOVERFLOW")
    rc, text = info(path)
    check(rc == 0 and ", 0 never returned" in text and "complete" in text,
          "dxgtrace info: complete, 0 never returned")
    finish()


# ---- 2. dlopen + dlsym, RTLD_LOCAL and RTLD_DEEPBIND ----


def t_dlopen(args):
    library, mode = args
    if mode == "deepbind" and A.sanitize == "address":
        skip("ASan aborts any dlopen with RTLD_DEEPBIND")
    fake = library != "libdxcore.so"
    exe = os.path.join(A.bin, "rec_dlopen")
    base = run([exe, library, mode], workdir("base"), rec=False)
    d = workdir("rec")
    p = run([exe, library, mode], d)
    show_run("rec_dlopen %s %s, recorded" % (library, mode), p)
    note(p.stdout)
    printed = printed_calls(p.stdout)
    check(p.returncode == 0 and len(printed) == 7 and all(x["name"] != "D3DKMTEscape" or "size" in x["what"] for x in printed),
          "the program made its 7 calls")
    if fake:
        # Without the recorder the library's open() binds to libc past the
        # mock and finds no /dev/dxg; with it, only the GOT patch gets the
        # call to the mock. So here the outputs must differ, and the
        # recorded run must have reached the mock.
        note("without the recorder:\n" + base.stdout)
        check(printed and printed[0]["status"] == 0,
              "EnumAdapters3 succeeded: the library's open and ioctl reached the mock through the recorder's hooks")
    else:
        check(p.stdout == base.stdout and p.returncode == base.returncode,
              "stdout and exit status as without the recorder")
    path = one_trace(d, "rec_dlopen")
    if not path:
        return finish()
    metas, calls = dump(path)
    if calls is None:
        return finish()
    layers = sorted(set(c["layer"] for c in calls))
    check(layers == ["d3dkmt", "ioctl"], "both layers in the trace: %s" % layers)
    check_layers(calls, printed)
    sent = {}
    for c in calls:
        if c["name"] == "D3DKMTEscape":
            t = tag_of(c)
            sent[c["seq"]] = tagged_payload("RDLO", 1, 1, 100) if t else b""
    for c in calls:
        if c["parent"] in sent:
            sent[c["seq"]] = sent[c["parent"]]
    check_payloads(calls, lambda c: sent.get(c["seq"]))
    finish()


# ---- 3. threads ----


def t_threads(args):
    n_threads, n_calls = int(args[0]), int(args[1])
    drop = len(args) > 2 and args[2] == "drop"
    d = workdir("rec")
    env = {"DXGTRACE_BACKTRACE": "off"}
    if drop:
        # A small memory cap and a slow writer (zstd level 19) to make
        # drops likely; whether any happen depends on timing.
        env.update({"DXGTRACE_ON_FULL": "drop", "DXGTRACE_BUFFER": "1M", "DXGTRACE_LEVEL": "19"})
    note("env: %s" % env)
    t0 = time.monotonic()
    p = run([os.path.join(A.bin, "rec_threads"), str(n_threads), str(n_calls)], d, env=env, timeout=300)
    show_run("rec_threads %d %d, recorded (%.1f s)" % (n_threads, n_calls, time.monotonic() - t0), p)
    note(p.stdout)
    m = re.search(r"rec_threads: (\d+) d3dkmt calls", p.stdout)
    check(p.returncode == 0 and m, "rec_threads ran, every escape returned the same status")
    check("Sanitizer" not in p.stderr, "no sanitizer report (%s build)" % A.sanitize)
    path = one_trace(d, "rec_threads")
    if not m or not path:
        return finish()
    cmd = [A.checker, path, str(n_threads), str(n_calls), m.group(1)] + (["--drop"] if drop else [])
    c = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    note(c.stdout)
    check(c.returncode == 0, "rec_check_threads: %s" % ("every call once, in each thread's order"
                                                       if not drop else "recorded + dropped = made"))
    finish()


# ---- 4. crashes ----


def t_crash(args):
    mode = args[0]
    d = workdir("rec")
    env = {}
    if A.sanitize == "address":
        env["ASAN_OPTIONS"] = "handle_segv=0:handle_abort=0"
    p = run([os.path.join(A.bin, "rec_crash"), mode], d, env=env)
    show_run("rec_crash %s, recorded" % mode, p)
    note(p.stdout)
    if mode == "segv":
        check(p.returncode == -signal.SIGSEGV, "died of SIGSEGV (returncode %d)" % p.returncode)
    elif mode == "abort":
        check(p.returncode == -signal.SIGABRT, "died of SIGABRT (returncode %d)" % p.returncode)
    else:
        check(p.returncode == 3 and "handler ran" in p.stdout,
              "the program's own SIGSEGV handler ran and exited 3 (returncode %d)" % p.returncode)
    printed = printed_calls(p.stdout)
    check(len(printed) == 4 and printed[-1]["name"] == "D3DKMTEscape", "the escape was made before the crash")
    path = one_trace(d, "rec_crash")
    if not path:
        return finish()
    rc, text = info(path)
    note(text)
    check(rc == 0, "dxgtrace info reads the file")
    metas, calls = dump(path)
    if calls is None:
        return finish()
    check_layers(calls, printed)
    esc = [c for c in calls if c["name"] == "D3DKMTEscape"]
    kid = [c for c in calls if esc and c["parent"] == esc[-1]["seq"]]
    check(esc and esc[-1]["returned"] and tag_of(esc[-1]) == ("RCRS", 1, 0, 64) and kid and kid[0]["returned"],
          "the escape's enter and leave are in the trace, at both layers")
    finish()


def t_sigkill(args):
    n = int(args[0])
    d = workdir("rec")
    e = base_env()
    e.update({"LD_PRELOAD": preload(), "DXGMOCK_PROFILE": "wsl2-intel-npu",
              "DXGTRACE_OUTPUT": os.path.join(d, "%e.%p.dxgt")})
    proc = subprocess.Popen([os.path.join(A.bin, "rec_crash"), "wait", str(n)], cwd=d, env=e,
                            stdout=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.strip() == "ready":
            break
    note("".join(lines))
    ready = bool(lines) and lines[-1].strip() == "ready"
    check(ready, "the program made its calls and said ready")
    time.sleep(1.0)  # the recorder writes a chunk at least every 250 ms
    proc.send_signal(signal.SIGKILL)
    rc = proc.wait()
    check(rc == -signal.SIGKILL, "killed with SIGKILL (returncode %d)" % rc)
    m = re.search(r"(\d+) d3dkmt calls", "".join(lines))
    path = one_trace(d, "rec_crash")
    if not path or not m:
        return finish()
    rc, text = info(path)
    note(text)
    made = 2 * int(m.group(1))
    check(rc == 0 and "complete" not in text.split("state:")[-1].split("\n")[0],
          "dxgtrace info reads the cut-off file (no trailer)")
    metas, calls = dump(path)
    if calls is None:
        return finish()
    tagged = sorted(tag_of(c)[2] for c in calls if c["layer"] == "d3dkmt" and tag_of(c) and tag_of(c)[0] == "RCRS")
    check(len(calls) == made, "all %d calls are in the file (found %d)" % (made, len(calls)))
    check(tagged == list(range(n)), "the %d escapes, each once" % n)
    check(all(c["returned"] for c in calls), "each with its leave record")
    finish()


# ---- 6. fork and exec ----


def calls_of(path):
    metas, calls = dump(path)
    pid = None
    for m in metas or []:
        if m["meta"] == "process":
            pid = m["fields"].get("pid")
    return pid, calls or []


def roles(calls):
    out = {}
    for c in calls:
        t = tag_of(c)
        if t and t[0] == "RFRK" and c["layer"] == "d3dkmt":
            out.setdefault(t[1], []).append(t[2])
    return out


def t_fork(args):
    follow = args[0] == "follow"
    d = workdir("rec")
    k, ch, pa = 3, 4, 5
    env = {"DXGTRACE_FOLLOW": "forks" if follow else "none"}
    p = run([os.path.join(A.bin, "rec_fork"), "fork", str(k), str(ch), str(pa)], d, env=env)
    show_run("rec_fork fork %d %d %d, DXGTRACE_FOLLOW=%s" % (k, ch, pa, env["DXGTRACE_FOLLOW"]), p)
    note(p.stdout)
    ppid = int(re.search(r"parent (\d+)", p.stdout).group(1))
    cpid = int(re.search(r"child (\d+)", p.stdout).group(1))
    check(p.returncode == 0 and "child exited 0" in p.stdout, "parent and child exited 0")
    want = ["rec_fork.%d.dxgt" % ppid] + (["rec_fork.%d.dxgt" % cpid] if follow else [])
    check(sorted(traces(d)) == sorted(want), "trace files %s (found %s)" % (want, traces(d)))
    pf = os.path.join(d, "rec_fork.%d.dxgt" % ppid)
    if os.path.exists(pf):
        pid, calls = calls_of(pf)
        seqs = [c["seq"] for c in calls]
        r = roles(calls)
        check(pid == ppid, "the parent's file says pid %s" % pid)
        check(r == {1: list(range(k + pa))}, "the parent's file: its %d escapes and none of the child's (%s)" % (k + pa, r))
        check(seqs == list(range(1, len(seqs) + 1)) and len(seqs) == 2 * (3 + k + pa),
              "the parent's file: %d calls, seq 1..%d" % (len(seqs), len(seqs)))
        check(all(c["returned"] and c["tid"] == ppid for c in calls), "the parent's calls returned, on its thread")
    cf = os.path.join(d, "rec_fork.%d.dxgt" % cpid)
    if follow and os.path.exists(cf):
        pid, calls = calls_of(cf)
        seqs = [c["seq"] for c in calls]
        r = roles(calls)
        check(pid == cpid, "the child's file says pid %s" % pid)
        check(r == {2: list(range(ch))}, "the child's file: its %d escapes only (%s)" % (ch, r))
        check(seqs == list(range(1, 2 * ch + 1)), "the child's file: %d calls, seq from 1 (%s)" % (len(seqs), seqs[:3]))
        check(all(c["returned"] and c["tid"] == cpid for c in calls)
              and all(c["parent"] in seqs for c in calls if c["layer"] == "ioctl"),
              "the child's calls returned, on its thread, ioctls linked within the file")
        rc, text = info(cf)
        check(rc == 0 and "complete" in text, "the child's file is complete (it left with _exit)")
    finish()


def t_exec(args):
    follow = args[0] == "follow"
    d = workdir("rec")
    env = {"DXGTRACE_FOLLOW": "exec" if follow else "none"}
    npu = os.path.join(A.examples, "npu-probe")
    p = run([os.path.join(A.bin, "rec_fork"), "exec", npu], d, env=env)
    show_run("rec_fork exec npu-probe, DXGTRACE_FOLLOW=%s" % env["DXGTRACE_FOLLOW"], p)
    note(p.stdout)
    ppid = int(re.search(r"parent (\d+)", p.stdout).group(1))
    cpid = int(re.search(r"child (\d+)", p.stdout).group(1))
    check("child exited 1" in p.stdout, "npu-probe ran in the child (exit 1 under wsl2-intel-npu)")
    want = ["rec_fork.%d.dxgt" % ppid] + (["npu-probe.%d.dxgt" % cpid] if follow else [])
    check(sorted(traces(d)) == sorted(want), "trace files %s (found %s)" % (want, traces(d)))
    pid, calls = calls_of(os.path.join(d, "rec_fork.%d.dxgt" % ppid))
    check(pid == ppid and [c["name"] for c in calls if c["layer"] == "d3dkmt"] ==
          ["D3DKMTEnumAdapters3", "D3DKMTOpenAdapterFromLuid", "D3DKMTCreateDevice", "D3DKMTEscape"],
          "the parent's file has the parent's 4 D3DKMT calls only")
    cf = os.path.join(d, "npu-probe.%d.dxgt" % cpid)
    if follow and os.path.exists(cf):
        pid, calls = calls_of(cf)
        kmt = [c["name"] for c in calls if c["layer"] == "d3dkmt"]
        printed = [x["name"] for x in printed_calls(p.stdout)][4:]  # after the parent's 4
        check(pid == cpid and len(calls) == 2 * len(kmt) and kmt == printed and len(kmt) >= 11,
              "the child's file: npu-probe's %d D3DKMT calls as it printed them, and their ioctls" % len(printed))
        check([c["seq"] for c in calls] == list(range(1, len(calls) + 1)), "the child's sequence numbers from 1")
    finish()


# ---- 7. transparency ----


def t_transparent(args):
    name, cmd = args[0], args[1:]
    if not shutil.which(cmd[0]):
        skip("%s is not installed" % cmd[0])
    d0, d1 = workdir("base"), workdir("rec")
    e = base_env()
    if A.sanitize == "address":
        e["ASAN_OPTIONS"] = "detect_leaks=0"
    base = subprocess.run(cmd, cwd=d0, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    p = run(cmd, d1, mock=False, foreign=True)
    note("without: exit %d, stdout %r" % (base.returncode, base.stdout))
    note("with:    exit %d, stdout %r" % (p.returncode, p.stdout))
    if p.stderr.strip():
        note("stderr with the recorder:\n" + p.stderr)
    check(p.stdout.encode() == base.stdout, "%s: same stdout with the recorder" % name)
    check(p.returncode == base.returncode, "%s: same exit status (%d)" % (name, base.returncode))
    check(p.stderr == base.stderr.decode(errors="replace"), "%s: same stderr" % name)
    check(os.listdir(d1) == [], "%s: no trace file (it never touched dxg): %s" % (name, os.listdir(d1)))
    finish()


def clinfo_env():
    neo = None
    for icd in sorted(os.listdir("/etc/OpenCL/vendors")) if os.path.isdir("/etc/OpenCL/vendors") else []:
        with open(os.path.join("/etc/OpenCL/vendors", icd)) as f:
            text = f.read().strip()
        if "libigdrcl" in text:
            neo = text
    return neo


def t_clinfo(args):
    if A.sanitize == "address":
        skip("ASan aborts any dlopen with RTLD_DEEPBIND, which Intel NEO uses")
    if not shutil.which("clinfo"):
        skip("clinfo is not installed")
    neo = clinfo_env()
    if not neo:
        skip("Intel's OpenCL runtime is not installed")
    env = {"OCL_ICD_FILENAMES": neo}
    base = run(["clinfo", "-l"], workdir("base"), rec=False, profile="wsl2-intel-arc", env=env, foreign=True)
    d = workdir("rec")
    p = run(["clinfo", "-l"], d, profile="wsl2-intel-arc", env=env, foreign=True)
    note("without: exit %d, stdout %r" % (base.returncode, base.stdout))
    note("with:    exit %d, stdout %r" % (p.returncode, p.stdout))
    check(p.stdout == base.stdout and p.returncode == base.returncode,
          "clinfo -l under the mock: same stdout and exit status with the recorder")
    t = traces(d)
    check(len(t) == 1, "one trace (clinfo reaches dxg through the mock): %s" % t)
    finish()


# ---- 8. robustness ----


def t_errno(args):
    exe = os.path.join(A.bin, "rec_errno")
    base = run([exe], workdir("base"), rec=False)
    d = workdir("rec")
    p = run([exe], d)
    note(p.stdout)
    if p.stdout != base.stdout:
        import difflib
        note("".join(difflib.unified_diff(base.stdout.splitlines(True), p.stdout.splitlines(True),
                                          "without the recorder", "with the recorder")))
    check(base.returncode == 0 and p.returncode == 0, "rec_errno ran with and without the recorder")
    check(p.stdout == base.stdout and p.stdout.count("errno=") >= 20,
          "errno after every hooked call as without the recorder (%d calls)" % p.stdout.count("errno="))
    path = one_trace(d, "rec_errno")
    if path:
        metas, calls = dump(path)
        n_ioctl = len([c for c in calls or [] if c["layer"] == "ioctl"])
        n_kmt = len([c for c in calls or [] if c["layer"] == "d3dkmt"])
        # 6 direct dxg ioctls (the closed fd and /dev/null are not dxg) + 3 below D3DKMT.
        check(n_ioctl == 9 and n_kmt == 3, "the hooks recorded while errno was checked: %d ioctls, %d D3DKMT calls"
              % (n_ioctl, n_kmt))
        # Requests nobody knows (number 0x7f; slot 0x03 with a size its
        # descriptor does not have) are recorded raw: the request, and its
        # _IOC_SIZE bytes in both directions.
        esc_bytes = "78563412" + "00" * 28
        for code in ("0xc020477f", "0xc0204703"):
            raw = [c for c in calls or [] if c.get("code") == code]
            check(len(raw) == 1 and raw[0]["call_id"] == 65535 and raw[0]["errno"] == errno_mod.ENOTTY
                  and raw[0]["in"]["args"] == esc_bytes and raw[0]["out"]["args"] == esc_bytes,
                  "unknown request %s recorded raw with its 32 bytes each way, -1 ENOTTY" % code)
    finish()


def t_buffers(args):
    """rec_buffers: the record shapes the recorder builds in place."""
    exe = os.path.join(A.bin, "rec_buffers")
    d = workdir("rec")
    p = run([exe], d, profile="wsl2-permissive")
    show_run("rec_buffers", p)
    check(p.returncode == 0 and "escapes: 2000, failed: 0" in p.stdout, "rec_buffers ran")
    path = one_trace(d, "rec_buffers")
    if not path:
        finish()
        return
    metas, calls = dump(path)
    calls = calls or []
    kmt = [c for c in calls if c["layer"] == "d3dkmt"]
    esc = [c for c in kmt if c["name"] == "D3DKMTEscape"]
    check(len(calls) == 2 * len(kmt) and all(c.get("returned") for c in calls),
          "every call of both layers has its LEAVE (%d calls)" % len(calls))

    def bufs(c, side):
        return (c.get(side) or {}).get("bufs", [])

    # 1. The unreadable page: recorded empty, flagged, both sides, both layers.
    bad = [c for c in calls if c["name"] in ("D3DKMTEscape", "LX_DXESCAPE")][:2]
    ok = len(bad) == 2
    for c in bad:
        for side in ("in", "out"):
            b = bufs(c, side)
            ok = ok and len(b) == 1 and b[0]["flags"] & 2 and b[0]["len"] == 0 \
                and b[0]["orig_len"] == 64 and b[0].get("hex", "") == ""
    check(ok, "a payload on an unreadable page: recorded empty with the unreadable flag, "
          "at both layers, on entry and on return")

    # 2. Bigger than a thread buffer: every byte, at both layers.
    want = tagged_payload("BIGP", 2, 0, 600 * 1024).hex()
    big = [c for c in calls if c["name"] in ("D3DKMTEscape", "LX_DXESCAPE")
           and any(b["orig_len"] == 600 * 1024 for b in bufs(c, "in"))]
    check(len(big) == 2 and all(bufs(c, "in")[0]["len"] == 600 * 1024
                                and bufs(c, "in")[0]["flags"] == 0
                                and bufs(c, "in")[0].get("hex") == want for c in big),
          "a 600 KiB payload (more than a thread buffer) recorded whole at both layers")

    # 3. Two levels: the array, then each element's private data.
    ca = [c for c in calls if c["name"] in ("D3DKMTCreateAllocation2", "LX_DXCREATEALLOCATION")]
    ok = len(ca) == 2
    for c in ca:
        b = bufs(c, "in")
        lv1 = [x for x in b if x["level"] == 1]
        ok = ok and len(b) == 4 and b[0]["name"] == "allocation_info" and b[0]["len"] == 3 * 96
        for i, x in enumerate(lv1):
            ok = ok and x["elem"] == i and x["hex"] == tagged_payload("ALOC", 3, i, 16 + 16 * i).hex()
        ok = ok and len(lv1) == 3
        o = bufs(c, "out")
        ok = ok and len(o) == 1 and o[0]["name"] == "allocation_info" and o[0]["level"] == 0
    check(ok, "CreateAllocation2: the allocation array and each element's private data "
          "(level 1, input only) at both layers")

    # 4. The run of small escapes: every one, in order, with its bytes.
    small = [c for c in esc if tag_of(c) and tag_of(c)[0] == "SMAL"]
    check(len(small) == 2000 and all(tag_of(c)[2] == i and buf_hex(c, "in", "priv_drv_data")
                                     == tagged_payload("SMAL", 4, i, 64).hex()
                                     for i, c in enumerate(small)),
          "2,000 small escapes recorded in order with their bytes (%d found)" % len(small))

    # 5. The escape an early atexit handler makes, after main returned.
    last = kmt[-1] if kmt else {}
    check(tag_of(last) == ("EXIT", 5, 0, 32) and last.get("returned")
          and calls[-1]["name"] == "LX_DXESCAPE",
          "an escape from an atexit handler registered before the first call is recorded, "
          "with its ioctl")
    finish()


def t_unwritable(args):
    kind = args[0]
    exe = os.path.join(A.examples, "npu-probe")
    d = workdir("rec")
    if kind == "notdir":
        open(os.path.join(d, "file"), "w").close()
        out = os.path.join(d, "file", "sub", "x.dxgt")
    else:
        out = os.path.join(d, "missing", "x.dxgt")
    base = run([exe], workdir("base"), rec=False)
    p = run([exe], d, env={"DXGTRACE_OUTPUT": out})
    show_run("npu-probe with DXGTRACE_OUTPUT=%s" % out, p)
    check(p.stdout == base.stdout and p.returncode == base.returncode,
          "stdout and exit status (%d) unchanged" % base.returncode)
    extra = [x for x in p.stderr.splitlines() if x not in base.stderr.splitlines()]
    # docs/recording.md: "dxgtrace[<pid>]: recording stopped: <why>".
    check(len(extra) == 1 and re.match(r"dxgtrace\[\d+\]: recording stopped: cannot create ", extra[0])
          and out in extra[0], "one line on stderr: %r" % extra)
    check(sorted(os.listdir(d)) == (["file"] if kind == "notdir" else []), "no file created")
    finish()


def t_mode(args):
    exe = os.path.join(A.examples, "npu-probe")
    d = workdir("rec")
    out = os.path.join(d, "fixed.dxgt")
    p = run([exe], d, env={"DXGTRACE_OUTPUT": os.path.join(d, "%e.%p.dxgt")}, umask=0)
    t = traces(d)
    modes = [stat.S_IMODE(os.stat(os.path.join(d, x)).st_mode) for x in t]
    check(len(t) == 1 and modes == [0o600], "a new trace under umask 0 has mode 0600: %s" % ["%o" % m for m in modes])
    with open(out, "w") as f:
        f.write("old contents")
    os.chmod(out, 0o666)
    p = run([exe], d, env={"DXGTRACE_OUTPUT": out}, umask=0)
    m = stat.S_IMODE(os.stat(out).st_mode)
    check(m == 0o600, "an existing 0666 file replaced by a trace has mode 0600: %o" % m)
    rc, text = info(out)
    n = 2 * len(printed_calls(p.stdout))
    check(p.returncode == 1 and rc == 0 and re.search(r"calls: +%d " % n, text), "and holds the trace (%d calls)" % n)
    finish()


def t_options(args):
    """The capture options reach the trace: layers, backtraces, payload cap."""
    exe = os.path.join(A.examples, "npu-probe")
    d = workdir("rec")
    p = run([exe], d, env={"DXGTRACE_LAYERS": "d3dkmt", "DXGTRACE_BACKTRACE": "all:4",
                           "DXGTRACE_MAX_PAYLOAD": "100"})
    path = one_trace(d, "npu-probe")
    if path:
        metas, calls = dump(path)
        calls = calls or []
        layers = sorted(set(c["layer"] for c in calls))
        check(layers == ["d3dkmt"] and len(calls) == len(printed_calls(p.stdout)),
              "DXGTRACE_LAYERS=d3dkmt: only the %d D3DKMT calls (%s)" % (len(calls), layers))
        frames = [len(c.get("frames") or []) for c in calls]
        check(frames and all(1 <= n <= 4 for n in frames),
              "DXGTRACE_BACKTRACE=all:4: every call has 1 to 4 frames (%s)" % frames)
        big = [b for c in calls for b in (c.get("in") or {}).get("bufs", []) if b["orig_len"] == 568]
        check(len(big) == 1 and big[0]["len"] == 100 and big[0]["flags"] & 1,
              "DXGTRACE_MAX_PAYLOAD=100: the 568-byte escape keeps 100 bytes, marked truncated")
        opts = [m for m in metas or [] if m["meta"] == "options"]
        check(len(opts) == 1 and opts[0]["fields"].get("layers") == "d3dkmt"
              and opts[0]["fields"].get("backtrace") == "all" and opts[0]["fields"].get("max_payload") == 100,
              "the options record says so: %s" % (opts[0]["fields"] if opts else None))
        check(opts and "discard" not in opts[0]["fields"], "no discard field unless asked for")
    # DXGTRACE_DISCARD=1 (measurement): the program runs as usual, the trace
    # keeps its metadata and no call, and says why.
    d2 = workdir("discard")
    p2 = run([exe], d2, env={"DXGTRACE_DISCARD": "1"})
    path = one_trace(d2, "npu-probe")
    if path:
        metas, calls = dump(path)
        opts = [m for m in metas or [] if m["meta"] == "options"]
        check(p2.returncode == p.returncode and p2.stdout == p.stdout and calls == []
              and len(opts) == 1 and opts[0]["fields"].get("discard") == "built",
              "DXGTRACE_DISCARD=1: same run, no call kept, the options record says discard=built")
    d3 = workdir("discard-writer")
    p3 = run([exe], d3, env={"DXGTRACE_DISCARD": "writer"})
    path = one_trace(d3, "npu-probe")
    if path:
        metas, calls = dump(path)
        kinds = sorted(set(m["meta"] for m in metas or []))
        opts = [m for m in metas or [] if m["meta"] == "options"]
        check(p3.returncode == p.returncode and p3.stdout == p.stdout and calls == []
              and "process" in kinds and len(opts) == 1
              and opts[0]["fields"].get("discard") == "writer",
              "DXGTRACE_DISCARD=writer: same run, no call kept, the metadata kept (%s)" % kinds)
    finish()


# ---- 9. dxgtrace record ----


def t_record(args):
    which = args[0]
    h = cli("record", "--help")
    if "record" not in (h.stdout + h.stderr) or "unknown command" in (h.stdout + h.stderr).lower():
        skip("dxgtrace record is not there yet")
    d = workdir("rec")
    e = base_env()
    if which == "npu":
        npu = os.path.join(A.examples, "npu-probe")
        p = subprocess.run([A.cli, "record", "--mock", "wsl2-intel-npu", "--", npu], cwd=d, env=e,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        show_run("dxgtrace record --mock wsl2-intel-npu -- npu-probe", p)
        note(p.stdout)
        check(p.returncode == 1, "exit status 1, the probe's (got %d)" % p.returncode)
        t = traces(d)
        check(len(t) == 1 and t[0] in p.stdout + p.stderr, "says where the trace went: %s" % t)
        if t:
            metas, calls = dump(os.path.join(d, t[0]))
            printed = printed_calls(p.stdout)
            check_layers(calls or [], printed)
        finish()
    if A.sanitize == "address":
        skip("ASan aborts any dlopen with RTLD_DEEPBIND, which Intel NEO uses")
    if not shutil.which("clinfo") or not clinfo_env():
        skip("clinfo or Intel's OpenCL runtime is not installed")
    e["OCL_ICD_FILENAMES"] = clinfo_env()
    p = subprocess.run([A.cli, "record", "--mock", "wsl2-intel-arc", "--", "clinfo", "-l"], cwd=d, env=e,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    show_run("dxgtrace record --mock wsl2-intel-arc -- clinfo -l", p)
    t = traces(d)
    check(len(t) >= 1, "a trace: %s" % t)
    if t:
        path = os.path.join(d, t[0])
        metas, calls = dump(path)
        layers = sorted(set(c["layer"] for c in calls or []))
        check(layers == ["d3dkmt", "dxcore", "ioctl"], "layers d3dkmt, dxcore and ioctl: %s" % layers)
        rc, text = info(path)
        note(text)
        check(rc == 0 and ", 0 never returned" in text, "every call has its leave record (info: 0 never returned)")
    finish()


TESTS = {
    "probe": t_probe, "dlopen": t_dlopen, "threads": t_threads, "crash": t_crash,
    "sigkill": t_sigkill, "fork": t_fork, "exec": t_exec, "transparent": t_transparent,
    "clinfo": t_clinfo, "errno": t_errno, "buffers": t_buffers, "unwritable": t_unwritable, "mode": t_mode,
    "options": t_options, "record": t_record,
}


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--rec", required=True)
    ap.add_argument("--mock", required=True)
    ap.add_argument("--runtime", default="")
    ap.add_argument("--sanitize", default="none")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--checker", default="")
    ap.add_argument("--examples", required=True)
    ap.add_argument("--profiles", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("test", choices=sorted(TESTS))
    ap.add_argument("args", nargs=argparse.REMAINDER)
    A = ap.parse_args()
    for lib in [A.rec, A.mock] + ([A.runtime] if A.runtime else []):
        if not os.path.exists(lib):
            usage("%s does not exist" % lib)
    os.makedirs(A.work, exist_ok=True)
    TESTS[A.test](A.args)
    finish()


if __name__ == "__main__":
    main()
