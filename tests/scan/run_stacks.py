#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of `dxgtrace dump --stacks`: recorded backtraces symbolised offline.

    run_stacks.py --cli DXGTRACE --rec LIBDXGTRACE --mock LIBDXGMOCK
                  --probe NPU_PROBE --work DIR [--runtime SANITIZER_RT] TEST

Each test records npu-probe under the mock host (wsl2-intel-npu) with
DXGTRACE_BACKTRACE=all, then reads the trace back with dump --stacks:
  npu-probe   every call has its frames; the escapes' innermost npu-probe
              frame is send_escape+0x.. with the indirect call that made
              it, the next is the step that sent it (register_process for
              the four registration escapes, then check_escape_channel for
              the empty one), and main is further out; frame lines are
              well-formed
  symbol-dir  the recorded program is moved away: its frames show as
              module+offset only, with one warning naming the build id;
              --symbol-dir finds it again by build id under another name
  debug-file  a stripped copy is recorded and its debug file (objcopy
              --only-keep-debug) is found in --symbol-dir: the names come
              from the debug file, the instructions from the stripped copy
  usage       --stacks with --json, --symbol-dir without --stacks: exit 2
Prints one line per check, "ok - ..." or "not ok - ...", then "N checks,
M failed". Exit status: 0 when every check passed, 1 when one failed,
77 when the test does not apply here, 2 on a usage error.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import check, finish, note, skip  # noqa: E402

A = None

FRAME = re.compile(r"^        #(\d+) (\S+)\+0x([0-9a-f]+)(?: (\S+)\+0x([0-9a-f]+))?(?: \((.*)\))?$")
ADDR = re.compile(r"^        #(\d+) 0x[0-9a-f]+$")
CALL = re.compile(r"^\s*(\d+)\s+\d+ (\S+)\s+(\S+?)\(")


def record(program, trace):
    env = dict(os.environ)
    pre = [A.rec, A.mock]
    if A.runtime:
        pre.insert(0, A.runtime)
    env.update({"LD_PRELOAD": ":".join(pre), "DXGMOCK_PROFILE": "wsl2-intel-npu",
                "DXGTRACE_OUTPUT": trace, "DXGTRACE_BACKTRACE": "all"})
    if os.path.exists(trace):
        os.unlink(trace)
    p = subprocess.run([program], env=env, capture_output=True, text=True, timeout=120)
    ok = check(os.path.exists(trace), f"recorded {os.path.basename(program)} (exit {p.returncode})")
    if not ok:
        note("stdout:\n%s\nstderr:\n%s" % (p.stdout, p.stderr))
    return ok


def dump(*args):
    p = subprocess.run([A.cli, "dump", "--no-time", *args], capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def calls_with_frames(out):
    """[(seq, layer, name, [frame tuples])] from dump --stacks output."""
    calls = []
    for line in out.splitlines():
        m = CALL.match(line)
        if m:
            calls.append((int(m[1]), m[2], m[3], []))
            continue
        f = FRAME.match(line)
        if f and calls:
            calls[-1][3].append((int(f[1]), f[2], int(f[3], 16), f[4],
                                 int(f[5], 16) if f[5] else None, f[6]))
        elif ADDR.match(line) and calls:
            calls[-1][3].append((int(ADDR.match(line)[1]), None, None, None, None, None))
    return calls


# The step of npu-probe that sends each of its escapes, in order.
ESCAPE_STEPS = ["register_process"] * 4 + ["check_escape_channel"]


def escapes_named(out, module, what):
    calls = calls_with_frames(out)
    escapes = [c for c in calls if c[1] == "d3dkmt" and c[2] == "D3DKMTEscape"]
    ok = check(len(escapes) == len(ESCAPE_STEPS),
               f"{what}: the trace has {len(ESCAPE_STEPS)} D3DKMTEscape calls ({len(escapes)})")
    for (seq, _, _, frames), step in zip(escapes, ESCAPE_STEPS):
        ours = [f for f in frames if f[1] == module]
        good = (len(ours) >= 3 and all(f[5] is not None and f[5].startswith("call ") for f in ours[:2])
                and ours[0][3] == "send_escape" and ours[1][3] == step
                and any(f[3] == "main" and f[5] and f[5].startswith("call ") for f in ours[2:]))
        ok &= check(good, f"{what}: escape at seq {seq}: {module} frames name send_escape, "
                          f"then {step} (each with its call), then main")
        if not good:
            note("   %s" % (frames,))
    return ok


def test_npu_probe():
    trace = os.path.join(A.work, "npu.dxgt")
    if not record(A.probe, trace):
        return
    rc, out, err = dump("--stacks", trace)
    check(rc == 0, "dump --stacks exits 0")
    check("warning" not in err or "npu-probe" not in err, "no warning about npu-probe")
    calls = calls_with_frames(out)
    kmt = [c for c in calls if c[1] != "ioctl"]
    ioctls = [c for c in calls if c[1] == "ioctl"]
    check(len(kmt) > 0 and all(c[3] for c in kmt),
          f"every D3DKMT call ({len(kmt)}) has frames under it (DXGTRACE_BACKTRACE=all)")
    # An ioctl issued inside a D3DKMT call shares its stack: no frames of
    # its own, and a line naming the call whose stack it is.
    lines = out.splitlines()
    pointers = {}
    for i, line in enumerate(lines):
        m = CALL.match(line)
        if m and m[2] == "ioctl" and i + 1 < len(lines):
            s = re.match(r"^\s+\(the stack of seq (\d+), which issued it\)$", lines[i + 1])
            pointers[int(m[1])] = int(s[1]) if s else None
    check(ioctls and all(not c[3] and pointers.get(c[0]) == c[0] - 1 for c in ioctls),
          f"every ioctl ({len(ioctls)}) points at the D3DKMT call that issued it, "
          "whose stack it shares")
    check(all([f[0] for f in c[3]] == list(range(len(c[3]))) for c in calls),
          "frames are numbered #0, #1, ... under each call")
    escapes_named(out, "npu-probe", "npu-probe")
    # The text otherwise matches dump without --stacks.
    rc2, plain, _ = dump(trace)
    stripped = "\n".join(line for line in out.splitlines()
                         if not line.startswith("        #") and not line.startswith("        (the stack"))
    check(rc2 == 0 and stripped == plain.rstrip("\n"),
          "without the frame and stack-pointer lines, the output is dump's own")


def test_symbol_dir():
    bindir = os.path.join(A.work, "bin")
    syms = os.path.join(A.work, "syms")
    for d in (bindir, syms):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    prog = os.path.join(bindir, "probe-copy")
    shutil.copy2(A.probe, prog)
    trace = os.path.join(A.work, "moved.dxgt")
    if not record(prog, trace):
        return
    os.rename(prog, os.path.join(syms, "renamed-probe"))
    rc, out, err = dump("--stacks", trace)
    warn = [line for line in err.splitlines() if "probe-copy" in line]
    check(rc == 0 and len(warn) == 1 and "no local file matches" in warn[0]
          and re.search(r"build id [0-9a-f]{16,}", warn[0]) is not None,
          "the program moved away: one warning naming it and its build id")
    frames = [f for c in calls_with_frames(out) for f in c[3] if f[1] == "probe-copy"]
    check(len(frames) > 0 and all(f[3] is None and f[5] is None for f in frames),
          "its frames show as probe-copy+offset only")
    rc, out, err = dump("--stacks", "--symbol-dir", syms, trace)
    check(rc == 0 and "probe-copy" not in err, "--symbol-dir: no warning about it")
    escapes_named(out, "probe-copy", "--symbol-dir (found by build id under another name)")


def test_debug_file():
    objcopy, strip = shutil.which("objcopy"), shutil.which("strip")
    if not objcopy or not strip:
        skip("objcopy or strip is missing")
    bindir = os.path.join(A.work, "stripped")
    dbg = os.path.join(A.work, "debug")
    for d in (bindir, dbg):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    prog = os.path.join(bindir, "npu-probe")
    shutil.copy2(A.probe, prog)
    subprocess.run([objcopy, "--only-keep-debug", prog, os.path.join(dbg, "npu-probe.debug")],
                   check=True)
    subprocess.run([strip, "--strip-all", prog], check=True)
    trace = os.path.join(A.work, "stripped.dxgt")
    if not record(prog, trace):
        return
    rc, out, err = dump("--stacks", trace)
    check(rc == 0 and "has no symbols" in err, "stripped, no debug file: a warning says so")
    rc, out, err = dump("--stacks", "--symbol-dir", dbg, trace)
    check(rc == 0 and "npu-probe" not in err, "with the debug file in --symbol-dir: no warning")
    escapes_named(out, "npu-probe", "stripped program + debug file")


def test_usage():
    trace = os.path.join(A.work, "none.dxgt")
    for args, what in [(["--stacks", "--json"], "--stacks --json"),
                       (["--symbol-dir", A.work], "--symbol-dir without --stacks")]:
        rc, out, err = dump(*args, trace)
        check(rc == 2 and out == "" and len(err.splitlines()) == 1, f"{what}: exit 2, one line")


TESTS = {"npu-probe": test_npu_probe, "symbol-dir": test_symbol_dir,
         "debug-file": test_debug_file, "usage": test_usage}


def main():
    global A
    ap = argparse.ArgumentParser()
    for opt in ("--cli", "--rec", "--mock", "--probe", "--work"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--runtime", default="")
    ap.add_argument("test", choices=sorted(TESTS))
    A = ap.parse_args()
    os.makedirs(A.work, exist_ok=True)
    TESTS[A.test]()
    finish()


if __name__ == "__main__":
    main()
