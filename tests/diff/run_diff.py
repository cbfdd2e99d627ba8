#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `dxgtrace diff`.

Usage: run_diff.py --cli=DXGTRACE --mkdiff=MKDIFF --work=DIR [--rec=LIB
       --mock=LIB --runtime=LIB --probe=NPU_PROBE] TEST

Tests:
  inputs      unusable inputs and usage errors: exit 2, nothing on stdout,
              one "dxgtrace: " line on stderr; a damaged trace: the diff,
              then one line and exit 2; --help
  acceptance  npu-probe recorded under wsl2-permissive and wsl2-intel-npu:
              the first non-empty escape (the first registration escape, 64
              bytes) is the first divergence (0 against 0xC0000023 /
              EOVERFLOW), exit 1, the same verdict in --json and the JUnit
              report; each trace against itself exits 0
  replays     two replays of one trace (`replay --profile wsl2-intel-npu -o`)
              are identical; a recording and its replay on the same profile
              are equivalent; the replay of the permissive recording on the
              NPU profile diverges at the first non-empty escape
  layers      a recording at the ioctl layer only against one at both
              layers: equivalent on the same profile (statuses through the
              errno mapping), divergent across profiles

Each check prints "ok - ..." or "not ok - ...". Exit status: 0 all passed,
1 a check failed, 77 the test does not apply here, 2 a usage error. In an
address-sanitizer build the sanitizer's runtime goes first in LD_PRELOAD
(--runtime).
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import check, finish, note, skip, usage  # noqa: E402

A = None


def base_env():
    e = {k: v for k, v in os.environ.items()
         if k != "LD_PRELOAD" and not k.startswith(("DXGTRACE_", "DXGMOCK_"))}
    e["DXGTRACE_NO_PROGRESS"] = "1"
    return e


def cli(*args, cwd=None):
    return subprocess.run([A.cli] + list(args), cwd=cwd or A.work, env=base_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=300)


def record(name, profile, layers=None):
    """npu-probe under the recorder and the mock; returns the trace's path."""
    e = base_env()
    e["LD_PRELOAD"] = ":".join(x for x in (A.runtime, A.rec, A.mock) if x)
    e["DXGMOCK_PROFILE"] = profile
    out = os.path.join(A.work, name + ".dxgt")
    e["DXGTRACE_OUTPUT"] = out
    if layers:
        e["DXGTRACE_LAYERS"] = layers
    p = subprocess.run([A.probe], cwd=A.work, env=e, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, errors="replace", timeout=120)
    if not os.path.exists(out):
        check(False, "npu-probe writes a trace under %s" % profile)
        note("npu-probe exited %d without a trace:\n%s" % (p.returncode, p.stderr))
        finish()
    return out


def calls_of(path):
    p = cli("dump", "--json", path)
    if p.returncode != 0:
        note("dump %s: %s" % (path, p.stderr))
        return []
    return [o for o in map(json.loads, p.stdout.splitlines()) if "meta" not in o]


def first_nonempty_escape(path, layer="d3dkmt"):
    """The seq of the first escape at `layer` that carries a payload."""
    for c in calls_of(path):
        if c["layer"] == layer and c["name"] in ("D3DKMTEscape", "LX_DXESCAPE") and \
                any(b["len"] for b in c["in"]["bufs"]):
            return c["seq"]
    return None


def expect_error(what, args, pattern, cwd=None):
    p = cli(*args, cwd=cwd)
    lines = p.stderr.splitlines()
    check(p.returncode == 2 and not p.stdout and len(lines) == 1 and
          lines[0].startswith("dxgtrace: ") and pattern in lines[0],
          "%s: exit 2, no output, one line naming '%s'" % (what, pattern), p)


# ---- tests ----


def t_inputs():
    w = A.work
    base = os.path.join(w, "base.dxgt")
    subprocess.run([A.mkdiff, "base", base], check=True)
    data = open(base, "rb").read()
    open(os.path.join(w, "empty.dxgt"), "wb").close()
    open(os.path.join(w, "header-cut.dxgt"), "wb").write(data[:16])
    random.seed(6)
    open(os.path.join(w, "random.bin"), "wb").write(
        bytes(random.getrandbits(8) for _ in range(4096)))
    os.makedirs(os.path.join(w, "dir.dxgt"), exist_ok=True)
    for other in ("missing.dxgt", "empty.dxgt", "header-cut.dxgt", "random.bin",
                  "dir.dxgt"):
        pattern = {"missing.dxgt": "no such file", "empty.dxgt": "empty",
                   "header-cut.dxgt": "cut short inside its header",
                   "random.bin": "not a dxgtrace trace",
                   "dir.dxgt": "is a directory"}[other]
        expect_error("B is %s" % other, ["diff", "base.dxgt", other], pattern)
        expect_error("A is %s" % other, ["diff", other, "base.dxgt"], pattern)
    expect_error("one operand", ["diff", "base.dxgt"], "expected two trace files")
    expect_error("three operands", ["diff", "base.dxgt", "base.dxgt", "base.dxgt"],
                 "expected two trace files")
    expect_error("--layer dxcore", ["diff", "--layer", "dxcore", "base.dxgt", "base.dxgt"],
                 "--layer")
    expect_error("--only some", ["diff", "--only", "some", "base.dxgt", "base.dxgt"], "--only")
    expect_error("--context -1", ["diff", "--context", "-1", "base.dxgt", "base.dxgt"],
                 "--context")
    expect_error("--bogus", ["diff", "--bogus", "base.dxgt", "base.dxgt"], "unknown option")
    expect_error("--junit without a value", ["diff", "base.dxgt", "base.dxgt", "--junit"],
                 "needs a value")
    p = cli("diff", "--junit", "no/such/dir/r.xml", "base.dxgt", "base.dxgt")
    lines = p.stderr.splitlines()
    check(p.returncode == 2 and len(lines) == 1 and "--junit" in lines[0],
          "--junit into a missing directory: exit 2, one line", p)
    subprocess.run([A.mkdiff, "--layers", "ioctl", "base", os.path.join(w, "io.dxgt")],
                   check=True)
    expect_error("--layer d3dkmt on an ioctl-only trace",
                 ["diff", "--layer", "d3dkmt", "base.dxgt", "io.dxgt"],
                 "io.dxgt: no call at the d3dkmt layer")

    # A damaged chunk (a flipped byte inside the first chunk's payload): the
    # calls before it are compared, then one line and exit 2.
    subprocess.run([A.mkdiff, "--chunk", "1500", "--repeat", "3", "base",
                    os.path.join(w, "long.dxgt")], check=True)
    b = bytearray(open(os.path.join(w, "long.dxgt"), "rb").read())
    second = 32 + 40 + int.from_bytes(b[32 + 8:32 + 12], "little")
    b[second + 40 + 5] ^= 0xFF
    open(os.path.join(w, "damaged.dxgt"), "wb").write(b)
    p = cli("diff", "long.dxgt", "damaged.dxgt")
    lines = p.stderr.splitlines()
    check(p.returncode == 2 and "verdict: divergent" in p.stdout and len(lines) == 1 and
          lines[0].startswith("dxgtrace: damaged.dxgt: ") and "calls before it" in lines[0],
          "a damaged trace: the diff, then one line, exit 2", p)

    p = cli("diff", "--help")
    check(p.returncode == 0 and p.stdout.startswith("usage: dxgtrace diff") and not p.stderr,
          "--help: usage on stdout, exit 0", p)
    p = cli("--help")
    check(p.returncode == 0 and "\n  diff " in p.stdout, "dxgtrace --help lists diff", p)
    finish()


def t_acceptance():
    a = record("permissive", "wsl2-permissive")
    b = record("intel-npu", "wsl2-intel-npu")
    sa, sb = first_nonempty_escape(a), first_nonempty_escape(b)
    check(sa is not None and sb is not None,
          "both traces hold a non-empty escape (seq %s, %s)" % (sa, sb))

    p = cli("diff", a, b)
    check(p.returncode == 1, "diff exits 1", p)
    head = "first divergent escape: seq %s in A, seq %s in B: D3DKMTEscape\n" % (sa, sb)
    check(head in p.stdout, "the first non-empty escape is the first divergence", p)
    want = ("  status: 0 STATUS_SUCCESS in A, "
            "0xC0000023 STATUS_BUFFER_TOO_SMALL / -1 EOVERFLOW in B\n")
    check(want in p.stdout, "0 against 0xC0000023 / EOVERFLOW", p)
    check(p.stdout.rstrip().endswith("verdict: divergent") and not p.stderr,
          "the verdict ends the output; nothing on stderr", p)

    p = cli("diff", "--only", "all", a, b)
    check(p.returncode == 1 and head.replace("escape", "call") in p.stdout,
          "--only all: the same call is the first divergent call", p)

    p = cli("diff", "--json", a, b)
    ok = p.returncode == 1
    try:
        doc = json.loads(p.stdout)
        f = doc["first"]
        ok = ok and doc["verdict"] == "divergent" and f["kinds"] == ["status"] and \
            f["escape"] and f["a"]["seq"] == sa and f["b"]["seq"] == sb and \
            f["a"]["in_bytes"] == f["b"]["in_bytes"] == 64 and \
            f["a"]["status"] == "0x00000000" and f["b"]["status"] == "0xc0000023" and \
            f["b"]["errno"] == 75 and f["escape_found"] and \
            doc["counts"]["divergences"] == len(doc["divergences"]) >= 1 and \
            doc["divergences"][doc["first"]["index"]]["a"]["seq"] == sa
    except (ValueError, KeyError, TypeError) as e:
        note("JSON: %r" % e)
        ok = False
    check(ok, "--json carries the same verdict and first divergence, a 64-byte escape", p)

    junit = os.path.join(A.work, "report.xml")
    p = cli("diff", "--junit", junit, a, b)
    try:
        suites = ET.parse(junit).getroot()
        cases = suites.findall("./testsuite/testcase")
        first = cases[0]
        ok = p.returncode == 1 and int(suites.get("failures")) == len(cases) >= 1 and \
            "D3DKMTEscape" in first.get("name") and \
            first.find("failure").get("type") == "status" and \
            "EOVERFLOW" in first.find("failure").get("message")
    except (ET.ParseError, OSError, AttributeError, IndexError, TypeError) as e:
        note("JUnit: %r" % e)
        ok = False
    check(ok, "--junit writes one failing test case per divergence, the escape first", p)

    for t in (a, b):
        p = cli("diff", t, t)
        check(p.returncode == 0 and p.stdout.rstrip().endswith("verdict: equivalent"),
              "%s against itself: exit 0" % os.path.basename(t), p)
    p = cli("diff", "--json", "--junit", junit, a, a)
    try:
        ok = p.returncode == 0 and json.loads(p.stdout)["verdict"] == "equivalent" and \
            ET.parse(junit).getroot().get("failures") == "0"
    except (ValueError, ET.ParseError) as e:
        note("%r" % e)
        ok = False
    check(ok, "--json and --junit agree on an equivalent pair", p)
    finish()


def replay(trace, out, *args):
    return subprocess.run([A.cli, "replay", "--profile", "wsl2-intel-npu"] + list(args) +
                          ["-o", out, trace], cwd=A.work, env=base_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=300)


def t_replays():
    t = record("permissive", "wsl2-permissive")
    npu = record("intel-npu", "wsl2-intel-npu")
    r = [os.path.join(A.work, "R%d.dxgt" % i) for i in (1, 2, 3, 4)]
    for i in (0, 1):
        p = replay(t, r[i])
        check(p.returncode == 0 and os.path.exists(r[i]), "replay %d of the trace" % (i + 1), p)
    p = cli("diff", r[0], r[1])
    check(p.returncode == 0 and p.stdout.rstrip().endswith("verdict: equivalent"),
          "the two replays diff as identical (exit 0)", p)
    p = cli("diff", t, r[0])
    sa = first_nonempty_escape(t)
    check(p.returncode == 1 and ("first divergent escape: seq %s in A," % sa) in p.stdout and
          "status: 0 STATUS_SUCCESS in A, 0xC0000023 STATUS_BUFFER_TOO_SMALL in B" in p.stdout,
          "the permissive recording against its replay on the NPU profile: the first non-empty escape", p)
    p = replay(npu, r[2])
    p = cli("diff", npu, r[2])
    check(p.returncode == 0, "a recording and its replay on the same profile: equivalent", p)
    p = replay(npu, r[3], "--layer", "ioctl")
    p = cli("diff", npu, r[3])
    check(p.returncode == 0 and "decoded in D3DKMT terms" in p.stdout,
          "... and its replay at the ioctl layer: equivalent", p)
    finish()


def t_layers():
    both = record("both", "wsl2-intel-npu")
    io = record("io", "wsl2-intel-npu", layers="ioctl")
    perm = record("permissive", "wsl2-permissive")
    p = cli("diff", both, io)
    check(p.returncode == 0 and "at the ioctl layer, decoded in D3DKMT terms" in p.stdout,
          "both layers against the ioctl layer alone, same profile: equivalent", p)
    p = cli("diff", "--layer", "ioctl", both, io)
    check(p.returncode == 0, "--layer ioctl: equivalent", p)
    p = cli("diff", perm, io)
    check(p.returncode == 1 and "status: 0 STATUS_SUCCESS in A, -1 EOVERFLOW in B" in p.stdout,
          "permissive D3DKMT against NPU ioctls: 0 against -1 EOVERFLOW", p)
    finish()


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--mkdiff", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--rec", default="")
    ap.add_argument("--mock", default="")
    ap.add_argument("--runtime", default="")
    ap.add_argument("--probe", default="")
    ap.add_argument("test")
    A = ap.parse_args()
    A.work = os.path.abspath(A.work)
    shutil.rmtree(A.work, ignore_errors=True)
    os.makedirs(A.work)
    tests = {"inputs": t_inputs, "acceptance": t_acceptance, "replays": t_replays,
             "layers": t_layers}
    if A.test not in tests:
        usage("unknown test %s" % A.test)
    if A.test != "inputs" and not (A.rec and A.mock and A.probe):
        skip("%s needs --rec, --mock and --probe" % A.test)
    tests[A.test]()
    finish()


if __name__ == "__main__":
    main()
