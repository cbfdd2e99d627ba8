#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks every field scenario of corpora/ against its expected verdict.

A scenario is a folder of corpora/ with a verdict.json. For each one:

1. the Windows capture regenerates byte for byte from its generator, when
   the folder has one (make_capture.py), so the two cannot drift;
2. `dxgtrace import frida` takes the capture in;
3. `dxgtrace diff HOST GUEST --json` (host: the imported capture, guest:
   the trace recorded here) exits as expected and names the expected first
   divergence: call, sequence numbers on both sides, both results, and
   whether it is an escape; the count of host/guest differences by design
   is as expected;
4. each replay the verdict lists (the capture replayed inside the mock
   WSL2 host, the guest trace replayed against the host's emulator...)
   exits as expected and its first mismatch line is the expected one.

    check_verdicts.py --cli DXGTRACE --corpora DIR --work DIR [SCENARIO...]

Prints one line per check; exit status 0 when all hold, 1 otherwise.
"""

import argparse
import json
import os
import subprocess
import sys


def run(cmd, **kw):
    env = dict(os.environ, DXGTRACE_NO_PROGRESS="1")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)


class Checker:
    def __init__(self):
        self.failures = 0

    def check(self, ok, what, detail=""):
        print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else ": " + detail))
        if not ok:
            self.failures += 1
        return ok


def scenario(c, cli, folder, work):
    name = os.path.basename(folder)
    with open(os.path.join(folder, "verdict.json"), encoding="utf-8") as f:
        v = json.load(f)
    os.makedirs(work, exist_ok=True)
    capture = os.path.join(folder, v["capture"])
    gen = os.path.join(folder, "make_capture.py")
    if os.path.exists(gen):
        regen = os.path.join(work, "capture.jsonl")
        r = run([sys.executable, gen, regen])
        same = r.returncode == 0 and open(regen, "rb").read() == open(capture, "rb").read()
        c.check(same, f"{name}: {v['capture']} is what make_capture.py writes",
                r.stderr.strip() or "the files differ")
    host = os.path.join(work, "host.dxgt")
    r = run([cli, "import", "frida", capture, "-o", host, "--force"])
    if not c.check(r.returncode == 0, f"{name}: import frida {v['capture']}", r.stderr.strip()):
        return
    guest = os.path.join(folder, v["guest"])
    d = v["diff"]
    r = run([cli, "diff", "--json", host, guest])
    c.check(r.returncode == d["exit"], f"{name}: diff exits {d['exit']}",
            f"exit {r.returncode}: {r.stderr.strip()}")
    try:
        out = json.loads(r.stdout)
    except ValueError:
        c.check(False, f"{name}: diff --json output is JSON", r.stdout[:200])
        return
    c.check("cross_os" in out, f"{name}: the comparison is cross-OS")
    hd = len(out.get("cross_os", {}).get("host_differences", []))
    c.check(hd == d.get("host_differences", 0),
            f"{name}: {d.get('host_differences', 0)} host/guest differences by design", str(hd))
    first, want = out.get("first") or {}, d["first"]
    got = {
        "call": first.get("call"),
        "escape": first.get("escape"),
        "seq_host": (first.get("a") or {}).get("seq"),
        "seq_guest": (first.get("b") or {}).get("seq"),
        "host": (first.get("a") or {}).get("result"),
        "guest": (first.get("b") or {}).get("result"),
    }
    for k, want_v in want.items():
        c.check(got.get(k) == want_v, f"{name}: first divergence {k} = {want_v!r}",
                f"got {got.get(k)!r}")
    for rp in v.get("replays", []):
        trace = host if rp["trace"] == "capture" else os.path.join(folder, rp["trace"])
        args = [a.replace("{host}", host) for a in rp["args"]]
        r = run([cli, "replay", "--verify"] + args + [trace])
        what = f"{name}: replay {' '.join(rp['args'])} {rp['trace']}"
        c.check(r.returncode == rp["exit"], f"{what}: exits {rp['exit']}",
                f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
        if "first_mismatch" in rp:
            lines = [l for l in r.stdout.splitlines() + r.stderr.splitlines()
                     if l.startswith("seq ")]
            c.check(bool(lines) and lines[0] == rp["first_mismatch"],
                    f"{what}: first mismatch {rp['first_mismatch']!r}",
                    f"got {lines[0] if lines else None!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("scenarios", nargs="*")
    a = ap.parse_args()
    names = a.scenarios or sorted(
        n for n in os.listdir(a.corpora)
        if os.path.exists(os.path.join(a.corpora, n, "verdict.json")))
    c = Checker()
    if not names:
        c.check(False, "corpora: at least one scenario with a verdict.json")
    for n in names:
        scenario(c, a.cli, os.path.join(a.corpora, n), os.path.join(a.work, n))
    print(f"{c.failures} failed" if c.failures else "all verdicts hold")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
