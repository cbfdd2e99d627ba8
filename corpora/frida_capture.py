# SPDX-License-Identifier: MIT
"""What the scenario generators (corpora/*/make_capture.py) share: a
synthetic Windows-side capture in the Frida JSON Lines format
(docs/frida.md), written deterministically.

A Capture numbers calls from 1 on one thread, advances a fake clock by
`enter_step(seq)` during each call and `gap` between calls, and hands out
page-aligned fake buffer addresses from `addr`.
"""

import json


def buf(field, addr, data):
    """One nested buffer of an enter or a leave."""
    return {"field": field, "addr": "0x%016x" % addr, "len": len(data), "data": data.hex()}


class Capture:
    def __init__(self, tid, t0, addr, enter_step, gap):
        self.lines = []
        self.seq = 0
        self.tid = tid
        self.t = t0
        self.addr = addr
        self.enter_step = enter_step
        self.gap = gap

    def emit(self, obj):
        self.lines.append(json.dumps(obj, separators=(",", ":")))

    def buffer_addr(self, n):
        a = self.addr
        self.addr += (n + 0xFFF) & ~0xFFF
        return a

    def call(self, fn, args_in, args_out, status=0, bufs_in=(), bufs_out=(), stack=None):
        self.seq += 1
        enter = {"type": "enter", "seq": self.seq, "tid": self.tid, "time_ns": self.t,
                 "function": fn, "args": args_in.hex()}
        if bufs_in:
            enter["bufs"] = list(bufs_in)
        if stack:
            enter["stack"] = stack
        self.emit(enter)
        self.t += self.enter_step(self.seq)
        leave = {"type": "leave", "seq": self.seq, "tid": self.tid, "time_ns": self.t,
                 "status": "0x%08X" % status, "args": args_out.hex()}
        if bufs_out:
            leave["bufs"] = list(bufs_out)
        self.emit(leave)
        self.t += self.gap

    def write(self, path):
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(self.lines) + "\n")
