#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that `dxgtrace dump --json` agrees with the independent reader.

Usage: compare_dump.py DXGTRACE_BINARY TRACE

Runs `DXGTRACE_BINARY dump --json TRACE` and `read_trace.py TRACE` and
compares their output field by field: the META lines in order (kind, keys,
values, field order), and the calls keyed by seq on every format-level
field.  Fields taken from the call descriptor list (`name`, `args`, buffer
`name`) are not compared.  A call or field that one side has and the other
lacks is a failure, as is a key outside the dump --json schema.

Prints `N calls, M meta records agree` and exits 0, or prints the first
disagreement and exits 1.  Exit 2 on usage errors or unusable output.
"""

import json
import os
import subprocess
import sys

READER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "read_trace.py")

# Call keys: format-level ones are compared, the others only allowed.
CALL_COMPARED = ("seq", "tid", "layer", "call_id", "parent", "t_enter_ns",
                 "t_leave_ns", "returned", "ret", "errno", "status", "code",
                 "fd", "in", "out", "frames")
CALL_NOT_COMPARED = ("name", "args")
CALL_REQUIRED = set(CALL_COMPARED + CALL_NOT_COMPARED) - {"code", "fd"}
BUF_COMPARED = ("desc", "level", "elem", "parent", "flags", "orig_len", "len",
                "addr", "fnv1a")
BUF_NOT_COMPARED = ("name",)


class Disagreement(Exception):
    pass


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(2)


def same(a, b):
    """Equality that also tells bool, int and float apart, recursively."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def run(cmd, what):
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    except OSError as e:
        die(f"{what}: cannot run {cmd[0]}: {e}")
    if proc.returncode < 0:
        die(f"{what}: killed by signal {-proc.returncode}\n{proc.stderr}")
    return proc


def parse_lines(text, what):
    """Parse JSON Lines into (metas, calls).  META fields are kept as lists
    of (key, value) pairs so that order and repeated keys are compared."""
    metas, calls = [], {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, object_pairs_hook=list)
        except json.JSONDecodeError as e:
            die(f"{what}: line {n} is not JSON: {e}")
        if isinstance(obj, list) and "meta" in (k for k, _ in obj):
            meta = dict(obj)
            if len(obj) != 2 or not isinstance(meta.get("fields"), list):
                die(f"{what}: line {n}: bad META line {line}")
            metas.append((meta["meta"], meta["fields"]))
            continue
        call = json.loads(line)
        if not isinstance(call, dict) or not isinstance(call.get("seq"), int):
            die(f"{what}: line {n}: neither META nor call: {line}")
        if call["seq"] in calls:
            die(f"{what}: line {n}: seq {call['seq']} appears twice")
        calls[call["seq"]] = call
    return metas, calls


def check_keys(obj, compared, not_compared, required, where, side):
    """A key that the schema does not know is a failure."""
    unknown = set(obj) - set(compared) - set(not_compared)
    if unknown:
        raise Disagreement(f"{where}: {side} has unexpected field(s) "
                           f"{sorted(unknown)}")
    missing = set(required) - set(obj)
    if missing:
        raise Disagreement(f"{where}: {side} lacks field(s) {sorted(missing)}")


def compare_field(where, name, dump, mine):
    if not same(dump, mine):
        raise Disagreement(f"{where}: field {name}: dump={json.dumps(dump)} "
                           f"reader={json.dumps(mine)}")


def compare_side(where, name, dump, mine):
    """Compare an "in"/"out" object (or null)."""
    if dump is None or mine is None:
        compare_field(where, name, dump, mine)
        return
    for side, obj in (("dump", dump), ("reader", mine)):
        if not isinstance(obj, dict):
            raise Disagreement(f"{where}: {side}'s {name} is not an object")
        check_keys(obj, ("args", "bufs"), (), ("args", "bufs"),
                   f"{where}: {name}", side)
    compare_field(where, f"{name}.args", dump["args"], mine["args"])
    compare_field(where, f"{name}.bufs count", len(dump["bufs"]),
                  len(mine["bufs"]))
    for i, (db, mb) in enumerate(zip(dump["bufs"], mine["bufs"])):
        bname = f"{name}.bufs[{i}]"
        for side, obj in (("dump", db), ("reader", mb)):
            # "hex" only appears with --blobs, which is not used here.
            check_keys(obj, BUF_COMPARED, BUF_NOT_COMPARED,
                       BUF_COMPARED + BUF_NOT_COMPARED, f"{where}: {bname}",
                       side)
        for key in BUF_COMPARED:
            compare_field(where, f"{bname}.{key}", db[key], mb[key])


def compare_call(seq, dump, mine):
    where = f"seq {seq}"
    for side, obj in (("dump", dump), ("reader", mine)):
        check_keys(obj, CALL_COMPARED, CALL_NOT_COMPARED, CALL_REQUIRED, where,
                   side)
    for key in CALL_COMPARED:
        if key in ("in", "out"):
            compare_side(where, key, dump[key], mine[key])
        elif key in dump or key in mine:
            if key not in dump or key not in mine:
                side = "dump" if key not in dump else "reader"
                raise Disagreement(f"{where}: field {key} missing in {side}")
            compare_field(where, key, dump[key], mine[key])


def compare(dump_out, reader_out):
    dmetas, dcalls = parse_lines(dump_out, "dump")
    rmetas, rcalls = parse_lines(reader_out, "reader")
    for i, (dm, rm) in enumerate(zip(dmetas, rmetas)):
        if dm[0] != rm[0]:
            raise Disagreement(f"META {i}: kind: dump={dm[0]!r} "
                               f"reader={rm[0]!r}")
        if len(dm[1]) != len(rm[1]):
            raise Disagreement(f"META {i} ({dm[0]}): dump has {len(dm[1])} "
                               f"fields, reader {len(rm[1])}")
        for (dk, dv), (rk, rv) in zip(dm[1], rm[1]):
            if dk != rk:
                raise Disagreement(f"META {i} ({dm[0]}): field key: "
                                   f"dump={dk!r} reader={rk!r}")
            if not same(dv, rv):
                raise Disagreement(f"META {i} ({dm[0]}): field {dk}: "
                                   f"dump={json.dumps(dv)} "
                                   f"reader={json.dumps(rv)}")
    if len(dmetas) != len(rmetas):
        raise Disagreement(f"META records: dump has {len(dmetas)}, reader "
                           f"{len(rmetas)}")
    for seq in sorted(set(dcalls) | set(rcalls)):
        if seq not in dcalls or seq not in rcalls:
            side = "dump" if seq not in dcalls else "reader"
            raise Disagreement(f"seq {seq}: call missing in {side}")
        compare_call(seq, dcalls[seq], rcalls[seq])
    return len(dcalls), len(dmetas)


def main(argv):
    if len(argv) != 3:
        die(__doc__.strip().splitlines()[2])
    binary, trace = argv[1], argv[2]
    dump = run([binary, "dump", "--json", trace], "dump")
    reader = run([sys.executable, READER, trace], "reader")
    status = (reader.stderr.strip().splitlines() or [""])[-1]
    if reader.returncode == 2:
        if dump.returncode == 0:
            print(f"reader rejects the file ({reader.stderr.strip()}), "
                  "dump accepts it")
            return 1
        print("both reject the file")
        return 0
    if reader.returncode != 0:
        die(f"reader failed (exit {reader.returncode}):\n{reader.stderr}")
    if dump.returncode != 0 and status == "complete":
        print(f"dump exits {dump.returncode} on a complete trace:\n"
              f"{dump.stderr}")
        return 1
    try:
        n_calls, n_metas = compare(dump.stdout, reader.stdout)
    except Disagreement as e:
        print(f"disagreement: {e}")
        print(f"(reader: {status})")
        return 1
    print(f"{n_calls} calls, {n_metas} meta records agree ({status})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
