#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check what the Frida agent captured in a fake run against the scenario.

    check_capture.py jsonl SCENARIO.json OUT.jsonl
        the agent's JSON Lines (docs/frida.md): header first, the module
        lines, one enter per call in event order, one leave per call that
        returned, every byte as the scenario's memory held it
    check_capture.py trace SCENARIO.json READ.jsonl
        the same calls in the trace `dxgtrace import frida` wrote, as
        tests/spec/read_trace.py --blobs prints it: call id, seq, tid,
        status, argument bytes, every buffer's bytes, orig_len and flags,
        stack frames, and the call that never returned

The expected bytes come from replaying the scenario's memory and writes
here, independently of the fake and of the agent; the buffers each side
must hold are listed by hand in the scenario. Exit status 0 when all
matches, 1 with the differences on stderr.
"""

import json
import sys

SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}


def num(v):
    return int(v, 0) if isinstance(v, str) else int(v)


def patch(mem, addr, p):
    """Apply a scenario patch at addr: fill, hex, then set."""
    def put(off, data):
        base = addr + off
        for start, buf in mem.items():
            if start <= base and base + len(data) <= start + len(buf):
                buf[base - start:base - start + len(data)] = data
                return
        raise SystemExit(f"scenario patches unmapped memory at {base:#x}")
    if "fill" in p:
        size = p["size"]
        put(0, bytes((p["fill"] + 7 * i) & 0xFF for i in range(size)))
    if "hex" in p:
        put(0, bytes.fromhex(p["hex"]))
    for off, kind, value in p.get("set", []):
        if kind == "hex":
            put(off, bytes.fromhex(value))
        else:
            put(off, num(value).to_bytes(SIZES[kind], "little"))


def read(mem, addr, n):
    for start, buf in mem.items():
        if start <= addr and addr + n <= start + len(buf):
            return bytes(buf[addr - start:addr - start + n])
    return None


def replay(sc):
    """Memory snapshots at each call's entry and return; seq per call."""
    mem = {}
    for r in sc["memory"]:
        mem[num(r["addr"])] = bytearray(r["size"])
        patch(mem, num(r["addr"]), r)
    snap = {}
    seqs = {}
    for ev in sc["events"]:
        what, key = ev.split(":", 1)
        if what == "enter":
            seqs[key] = len(seqs) + 1
            snap[("in", key)] = {a: bytes(b) for a, b in mem.items()}
        elif what == "leave":
            for w in sc["calls"][key].get("writes", []):
                patch(mem, num(w["addr"]), w)
            snap[("out", key)] = {a: bytes(b) for a, b in mem.items()}
    return snap, seqs


class Checker:
    def __init__(self):
        self.errors = []

    def eq(self, what, have, want):
        if have != want:
            h, w = repr(have), repr(want)
            if len(h) > 200:
                h = h[:200] + "..."
            if len(w) > 200:
                w = w[:200] + "..."
            self.errors.append(f"{what}: have {h}, want {w}")

    def fail(self, msg):
        self.errors.append(msg)


def want_bufs(sc, snap, key, side):
    """The expected buffers of one side: key -> dict."""
    exp = sc["calls"][key]["expect"][side] or []
    mem = snap[(side, key)]
    out = {}
    for b in exp:
        stored = b.get("stored", b["len"])
        flags = b.get("flags", 0)
        data = b"" if flags & 2 else read(mem, num(b["addr"]), stored)
        assert data is not None, f"{key}: expected buffer not in memory"
        out[(b["field"], b.get("parent"), b.get("elem"))] = dict(
            b, stored=stored, flags=flags, data=data)
    return out


def check_jsonl(sc, path):
    snap, seqs = replay(sc)
    ck = Checker()
    lines = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    if not lines:
        raise SystemExit(f"{path}: empty")
    h = lines[0]
    ck.eq("line 1 type", h.get("type"), "header")
    for k, v in (("format", "dxgtrace-frida"), ("version", 1), ("os", "windows"),
                 ("arch", "x64"), ("pid", sc["pid"]),
                 ("hook", sc.get("params", {}).get("hook", "gdi32")),
                 ("process", sc["modules"][0]["path"])):
        ck.eq(f"header {k}", h.get(k), v)
    ck.eq("header agent is a string", isinstance(h.get("agent"), str), True)
    ck.eq("header start_unix_ns is an integer", type(h.get("start_unix_ns")), int)

    mods = {m["name"]: m for m in lines if m["type"] == "module"}
    for m in sc["modules"]:
        have = mods.get(m["name"])
        if have is None:
            ck.fail(f"no module line for {m['name']}")
            continue
        ck.eq(f"module {m['name']}", (have["base"], have["size"], have["path"]),
              (m["base"], m["size"], m["path"]))

    enters = [x for x in lines if x["type"] == "enter"]
    leaves = {x["seq"]: x for x in lines if x["type"] == "leave"}
    ck.eq("enter count", len(enters), len(seqs))
    order = sorted(seqs, key=seqs.get)
    last_t = 0
    for key, e in zip(order, enters):
        call, exp = sc["calls"][key], sc["calls"][key]["expect"]
        w = f"{key} enter"
        ck.eq(f"{w} seq", e["seq"], seqs[key])
        ck.eq(f"{w} tid", e["tid"], call["tid"])
        ck.eq(f"{w} function", e["function"], call["function"])
        ck.eq(f"{w} time_ns is an integer", type(e["time_ns"]), int)
        if e["time_ns"] < last_t:
            ck.fail(f"{w}: time_ns goes back")
        last_t = e["time_ns"]
        check_side_jsonl(ck, sc, snap, key, "in", e)
        if exp.get("stack"):
            ck.eq(f"{w} stack", e.get("stack"), call["stack"])
        else:
            ck.eq(f"{w} stack", e.get("stack"), None)
        lv = leaves.pop(e["seq"], None)
        if exp["out"] is None:
            ck.eq(f"{key} leave", lv, None)
            continue
        if lv is None:
            ck.fail(f"{key}: no leave")
            continue
        ck.eq(f"{key} leave tid", lv["tid"], call["tid"])
        if lv["time_ns"] < e["time_ns"]:
            ck.fail(f"{key}: leave before enter")
        st = lv["status"]
        ck.eq(f"{key} leave status", num(st), num(call["status"]) & 0xFFFFFFFF)
        ck.eq(f"{key} leave status text", st, f"0x{num(call['status']) & 0xFFFFFFFF:08X}")
        check_side_jsonl(ck, sc, snap, key, "out", lv)
    if leaves:
        ck.fail(f"leaves without a scenario call: {sorted(leaves)}")
    return ck


def check_side_jsonl(ck, sc, snap, key, side, line):
    exp = sc["calls"][key]["expect"]
    w = f"{key} {side}"
    mem = snap[(side, key)]
    if exp.get("args_unreadable"):
        ck.eq(f"{w} args", line["args"], "")
        ck.eq(f"{w} unreadable", line.get("unreadable"), True)
    else:
        ck.eq(f"{w} args", line["args"],
              read(mem, num(sc["calls"][key]["args"]), exp["args_size"]).hex())
        ck.eq(f"{w} unreadable", line.get("unreadable"), None)
    want = want_bufs(sc, snap, key, side)
    have = {}
    for b in line.get("bufs", []):
        k = (b["field"], b.get("parent"), b.get("elem"))
        if k in have:
            ck.fail(f"{w}: buffer {k} twice")
        have[k] = b
    ck.eq(f"{w} buffers", sorted(have, key=str), sorted(want, key=str))
    for k in set(have) & set(want):
        hb, wb = have[k], want[k]
        ck.eq(f"{w} {k} addr", hb["addr"], wb["addr"])
        ck.eq(f"{w} {k} len", hb["len"], wb["len"])
        if wb["flags"] & 2:
            ck.eq(f"{w} {k} unreadable", (hb.get("unreadable"), "data" in hb), (True, False))
        else:
            ck.eq(f"{w} {k} unreadable", hb.get("unreadable"), None)
            ck.eq(f"{w} {k} data", bytes.fromhex(hb["data"]), wb["data"])


def check_trace(sc, path):
    snap, seqs = replay(sc)
    ck = Checker()
    lines = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    metas = {}
    for m in lines:
        if "meta" in m:
            metas.setdefault(m["meta"], []).append(m["fields"])
    host = (metas.get("host") or [{}])[0]
    ck.eq("host meta", (host.get("os"), host.get("arch"), host.get("layout")),
          ("windows", "x64", "win64"))
    proc = (metas.get("process") or [{}])[0]
    ck.eq("process meta pid", proc.get("pid"), sc["pid"])
    opts = (metas.get("options") or [{}])[0]
    ck.eq("options meta source", opts.get("source"), "frida")
    ck.eq("mmap records", sorted(f.get("path") for f in metas.get("mmap", [])),
          sorted(m["path"] for m in sc["modules"]))

    calls = {c["seq"]: c for c in lines if "seq" in c}
    ck.eq("calls in the trace (seq)", sorted(calls), sorted(seqs.values()))
    for key, seq in seqs.items():
        c = calls.get(seq)
        if c is None:
            continue
        call, exp = sc["calls"][key], sc["calls"][key]["expect"]
        w = f"{key} (seq {seq})"
        ck.eq(f"{w} layer", c["layer"], "d3dkmt")
        ck.eq(f"{w} call_id", c["call_id"], exp["call_id"])
        ck.eq(f"{w} tid", c["tid"], call["tid"])
        ck.eq(f"{w} parent", c["parent"], 0)
        ck.eq(f"{w} frames", c["frames"], call["stack"] if exp.get("stack") else [])
        check_side_trace(ck, sc, snap, key, "in", c["in"])
        if exp["out"] is None:
            ck.eq(f"{w} returned", (c["returned"], c["out"], c["status"]), (False, None, None))
            continue
        ck.eq(f"{w} returned", c["returned"], True)
        st = num(call["status"]) & 0xFFFFFFFF
        ck.eq(f"{w} status", c["status"], f"0x{st:08x}")
        ck.eq(f"{w} ret", c["ret"], st - (1 << 32) if st & 0x80000000 else st)
        if c["t_leave_ns"] < c["t_enter_ns"]:
            ck.fail(f"{w}: leaves before it enters")
        check_side_trace(ck, sc, snap, key, "out", c["out"])
    return ck


def check_side_trace(ck, sc, snap, key, side, got):
    exp = sc["calls"][key]["expect"]
    w = f"{key} {side}"
    if exp.get("args_unreadable"):
        ck.eq(f"{w} args", got["args"], "")
    else:
        ck.eq(f"{w} args", got["args"],
              read(snap[(side, key)], num(sc["calls"][key]["args"]), exp["args_size"]).hex())
    want = {}
    for b in want_bufs(sc, snap, key, side).values():
        level = 1 if b.get("parent") else 0
        k = (level, b.get("parent_desc"), b.get("elem", 0), b["desc"])
        want[k] = b
    have = {}
    for b in got["bufs"]:
        k = (b["level"], b["parent"], b["elem"], b["desc"])
        if k in have:
            ck.fail(f"{w}: buffer {k} twice")
        have[k] = b
    ck.eq(f"{w} buffers (level, parent, elem, desc)", sorted(have, key=str),
          sorted(want, key=str))
    for k in set(have) & set(want):
        hb, wb = have[k], want[k]
        ck.eq(f"{w} {k} addr", hb["addr"], wb["addr"])
        ck.eq(f"{w} {k} orig_len", hb["orig_len"], wb["len"])
        ck.eq(f"{w} {k} len", hb["len"], wb["stored"])
        ck.eq(f"{w} {k} flags", hb["flags"], wb["flags"])
        ck.eq(f"{w} {k} bytes", bytes.fromhex(hb["hex"]), wb["data"])


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("jsonl", "trace"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mode, scenario, path = sys.argv[1:]
    with open(scenario, encoding="utf-8") as f:
        sc = json.load(f)
    ck = (check_jsonl if mode == "jsonl" else check_trace)(sc, path)
    for e in ck.errors:
        print(f"{path}: {e}", file=sys.stderr)
    if ck.errors:
        return 1
    print(f"{path}: {len(sc['calls'])} calls as the scenario says")
    return 0


if __name__ == "__main__":
    sys.exit(main())
