#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Perfetto export (Chrome trace-event JSON) as a trace viewer reads it.

    check_perfetto.py [--nested] DXGTRACE TRACE OUT.json

Exports TRACE with `dxgtrace export --format perfetto`, parses the file
with Python's json module, and checks it against the calls that
`dxgtrace sql` lists for the same trace: one complete event ("ph": "X") per
call with its name, thread, timestamps in microseconds and result; failed
calls marked (category "failed", colour "terrible", an instant event at
their end); a call issued by another is on the same thread and, with
--nested (recorded traces, whose times are real: mktrace's are not), lies
inside it, so that the timeline nests them; the process is named. Prints what it checked
and exits 1 on the first mismatch.
"""
import json
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    args = sys.argv[1:]
    nested_times = args[:1] == ["--nested"]
    if nested_times:
        args = args[1:]
    if len(args) != 3:
        print(__doc__)
        sys.exit(2)
    dxgtrace, trace, out = args
    env = {"DXGTRACE_NO_PROGRESS": "1"}
    p = subprocess.run([dxgtrace, "export", "--format", "perfetto", "-o", out, trace],
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        fail("export exited %d: %s" % (p.returncode, p.stderr))
    with open(out) as f:
        doc = json.load(f)
    p = subprocess.run([dxgtrace, "sql", "--json", trace,
                        "select seq, tid, name, failed, returned, parent_seq, result "
                        "from calls order by seq"],
                       capture_output=True, text=True, env=env, check=True)
    calls = {c["seq"]: c for c in map(json.loads, p.stdout.splitlines())}

    events = doc.get("traceEvents")
    if not isinstance(events, list):
        fail("no traceEvents array")
    xs = [e for e in events if e.get("ph") == "X"]
    if len(xs) != len(calls):
        fail("%d complete events for %d calls" % (len(xs), len(calls)))
    by_seq = {}
    for e in xs:
        seq = e.get("args", {}).get("seq")
        if seq not in calls or seq in by_seq:
            fail("event for an unknown or repeated call: %r" % e)
        by_seq[seq] = e
        c = calls[seq]
        for key in ("ts", "dur", "pid", "tid", "name", "cat"):
            if key not in e:
                fail("seq %d: no %s" % (seq, key))
        if not isinstance(e["ts"], (int, float)) or not isinstance(e["dur"], (int, float)):
            fail("seq %d: ts and dur must be numbers" % seq)
        if e["dur"] < 0:
            fail("seq %d: negative duration" % seq)
        if e["tid"] != c["tid"] or e["name"] != c["name"]:
            fail("seq %d: tid/name %r/%r, expected %r/%r" % (seq, e["tid"], e["name"],
                                                             c["tid"], c["name"]))
        if e["args"].get("result") != c["result"]:
            fail("seq %d: result %r, expected %r" % (seq, e["args"].get("result"), c["result"]))
        marked = "failed" in e["cat"].split(",")
        if marked != bool(c["failed"]) or (e.get("cname") == "terrible") != marked:
            fail("seq %d: failure marks %r/%r for failed=%d" % (seq, e["cat"], e.get("cname"),
                                                                c["failed"]))
        if e["args"].get("failed") != bool(c["failed"]):
            fail("seq %d: args.failed wrong" % seq)
        if c["failed"] and c["returned"] and "explain" not in e["args"]:
            fail("seq %d: a failed call without its explanation" % seq)
    instants = [e for e in events if e.get("ph") == "i"]
    failed = [s for s, c in calls.items() if c["failed"]]
    if sorted(e["args"]["seq"] for e in instants) != sorted(failed):
        fail("instant events %r for failed calls %r" % ([e["args"]["seq"] for e in instants],
                                                         failed))
    for e in instants:
        if e.get("s") != "t" or "failed" not in e.get("cat", ""):
            fail("instant event not thread-scoped or not in category failed: %r" % e)

    nested = 0
    for seq, c in calls.items():
        if not c["parent_seq"] or c["parent_seq"] not in by_seq:
            continue
        child, parent = by_seq[seq], by_seq[c["parent_seq"]]
        if child["tid"] != parent["tid"] or child["pid"] != parent["pid"]:
            fail("seq %d: not on its parent's thread" % seq)
        eps = 0.0005
        if nested_times and (child["ts"] + eps < parent["ts"] or
                             child["ts"] + child["dur"] > parent["ts"] + parent["dur"] + eps):
            fail("seq %d [%f +%f] is not inside seq %d [%f +%f]" % (
                seq, child["ts"], child["dur"], c["parent_seq"], parent["ts"], parent["dur"]))
        nested += 1

    names = [e for e in events if e.get("ph") == "M" and e.get("name") == "process_name"]
    pids = {e["pid"] for e in xs}
    if names and {e["pid"] for e in names} != pids:
        fail("process_name for pids %r, events on %r" % ({e["pid"] for e in names}, pids))
    print("perfetto: %d calls, %d complete events, %d failed with instants, %d nested in "
          "their parent, %d process names: ok" % (len(calls), len(xs), len(instants), nested,
                                                  len(names)))


main()
