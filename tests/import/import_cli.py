#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`dxgtrace import frida`, end to end.

    import_cli.py DXGTRACE WORKDIR errors   every malformed input of CASES:
                                            exit 2, one stderr line naming
                                            the exact line and field, no
                                            output file left behind
    import_cli.py DXGTRACE WORKDIR good     good.jsonl imported and read back
                                            with `dxgtrace dump --blobs` and
                                            the spec's reader, read_trace.py
    import_cli.py DXGTRACE WORKDIR forms    the same capture as Frida
                                            envelopes, with CRLF, without a
                                            final newline, on stdin, and
                                            twice: byte-identical traces
    import_cli.py DXGTRACE WORKDIR options  --force, --help, usage errors,
                                            mode 0600, a long line
"""

import json
import os
import shutil
import stat
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "spec"))
import read_trace  # noqa: E402  the spec's independent reader

HEADER = {"type": "header", "format": "dxgtrace-frida", "version": 1,
          "os": "windows", "arch": "x64", "pid": 77}
ESC_ARGS = struct.pack("<IIIIQII", 0x40000000, 0, 0, 0, 0x2000, 4, 0).hex()
CA_ARGS = struct.pack("<IIIIQIIQIIQIIQ", 1, 0, 0, 0, 0, 0, 0, 0, 0, 2,
                      0x4000, 0, 0, 0).hex()  # CreateAllocation, 2 elements
ELEMS = (struct.pack("<IIQQII", 0, 0, 0, 0x5000, 4, 0) + bytes(8)) * 2


def j(o):
    return json.dumps(o)


def hdr(**kw):
    h = dict(HEADER)
    h.update(kw)
    return j({k: v for k, v in h.items() if v is not None})


def enter(seq=1, **kw):
    o = {"type": "enter", "seq": seq, "tid": 5, "time_ns": 100 * seq,
         "function": "D3DKMTEscape", "args": ESC_ARGS}
    o.update(kw)
    return j({k: v for k, v in o.items() if v is not None})


def leave(seq=1, **kw):
    o = {"type": "leave", "seq": seq, "tid": 5, "time_ns": 100 * seq + 50,
         "status": 0, "args": ESC_ARGS}
    o.update(kw)
    return j({k: v for k, v in o.items() if v is not None})


def buf(field="priv_drv_data", **kw):
    o = {"field": field, "addr": "0x2000", "len": 4, "data": "01020304"}
    o.update(kw)
    return {k: v for k, v in o.items() if v is not None}


def ca_enter(bufs):
    return enter(function="D3DKMTCreateAllocation", args=CA_ARGS, bufs=bufs)


# (name, lines, line, field, words the message must hold). A line given as
# bytes is written as is; the others get "\n". field "" means none.
CASES = [
    ("not_json", [hdr(), "{not json"], 2, "", "not JSON"),
    ("not_object", [hdr(), "[1, 2]"], 2, "", "expected a JSON object, got an array"),
    ("duplicate_key", [hdr(), '{"type": "enter", "type": "leave"}'], 2, "",
     "duplicate"),
    ("header_missing", [enter()], 1, "type", "before the header"),
    ("header_missing_after_blank", ["", "  ", leave()], 3, "type",
     "before the header"),
    ("header_twice", [hdr(), enter(), hdr()], 3, "type", "second header"),
    ("no_type", [hdr(), j({"seq": 1})], 2, "type", "required key missing"),
    ("type_not_string", [hdr(), j({"type": 3})], 2, "type", "expected a string"),
    ("unknown_type", [hdr(), j({"type": "log", "level": "info"})], 2, "type",
     "unknown type \"log\""),
    ("unknown_type_first", [j({"type": "hello"})], 1, "type", "unknown type"),
    ("format_wrong", [hdr(format="frida")], 1, "format", "dxgtrace-frida"),
    ("version_2", [hdr(version=2)], 1, "version", "newer"),
    ("version_0", [hdr(version=0)], 1, "version", "out of range"),
    ("version_string", [hdr(version="1")], 1, "version", "expected an integer"),
    ("os_linux", [hdr(os="linux")], 1, "os", "windows"),
    ("arch_x86", [hdr(arch="x86")], 1, "arch", "only x64"),
    ("arch_missing", [hdr(arch=None)], 1, "arch", "required key missing"),
    ("pid_negative", [hdr(pid=-1)], 1, "pid", "out of range"),
    ("pid_real", [hdr(pid=1.5)], 1, "pid", "fraction"),
    ("hook_unknown", [hdr(hook="ntdll")], 1, "hook", "gdi32"),
    ("start_string", [hdr(start_unix_ns="now")], 1, "start_unix_ns",
     "expected an integer"),
    ("module_no_name", [hdr(), j({"type": "module", "base": "0x1000", "size": 4})],
     2, "name", "required"),
    ("module_base_empty", [hdr(), j({"type": "module", "name": "a.dll",
                                      "base": "0x", "size": 4})],
     2, "base", "no digits"),
    ("module_size_zero", [hdr(), j({"type": "module", "name": "a.dll",
                                     "base": "0x1000", "size": 0})],
     2, "size", "out of range"),
    ("module_wraps", [hdr(), j({"type": "module", "name": "a.dll",
                                "base": "0xffffffffffffff00", "size": 4096})],
     2, "size", "past the address space"),
    ("adapter_luid_plain", [hdr(), j({"type": "adapter", "luid": "0xc3a1"})],
     2, "luid", "not a LUID"),
    ("adapter_luid_long", [hdr(), j({"type": "adapter",
                                      "luid": "0x0:0x123456789"})],
     2, "luid", "more than 8"),
    ("adapter_vendor_string", [hdr(), j({"type": "adapter", "luid": "0x0:0x1",
                                          "vendor": "0x8086"})],
     2, "vendor", "expected an integer"),
    ("adapter_device_range", [hdr(), j({"type": "adapter", "luid": "0x0:0x1",
                                         "device": 4294967296})],
     2, "device", "out of range"),
    ("unknown_function", [hdr(), enter(function="D3DKMTFrobnicate")], 2,
     "function", "not a D3DKMT function"),
    ("function_ioctl_name", [hdr(), enter(function="LX_DXESCAPE")], 2,
     "function", "not a D3DKMT function"),
    ("function_bare_name", [hdr(), enter(function="Escape")], 2, "function",
     "not a D3DKMT function"),
    ("function_wrong_case", [hdr(), enter(function="d3dkmtescape")], 2,
     "function", "not a D3DKMT function"),
    ("function_no_d3dkmt", [hdr(), enter(function="NtGdiDdDDICreateContext")],
     2, "function", "not a D3DKMT function"),
    ("function_dxcore", [hdr(), enter(function="IDXCoreAdapter::GetProperty")],
     2, "function", "not a D3DKMT function"),
    ("missing_tid", [hdr(), enter(tid=None)], 2, "tid", "required key missing"),
    ("seq_string", [hdr(), enter(seq="1")], 2, "seq", "expected an integer"),
    ("seq_zero", [hdr(), enter(seq=0)], 2, "seq", "out of range"),
    ("seq_too_big", [hdr(), '{"type": "enter", "seq": 18446744073709551616}'], 2,
     "", "not JSON"),
    ("args_odd_hex", [hdr(), enter(args=ESC_ARGS + "0")], 2, "args", "odd number"),
    ("args_bad_digit", [hdr(), enter(args="zz" + ESC_ARGS[2:])], 2, "args",
     "'z' at offset 0 is not a hex digit"),
    ("args_wrong_size", [hdr(), enter(args=ESC_ARGS[:-2])], 2, "args",
     "31 bytes: D3DKMTEscape's argument struct is 32 bytes"),
    ("args_not_string", [hdr(), enter(args=[1, 2])], 2, "args", "expected a string"),
    ("stack_bad_address", [hdr(), enter(stack=["0x1", "1234"])], 2, "stack[1]",
     "not an address"),
    ("stack_not_hex", [hdr(), enter(stack=["0xZZ"])], 2, "stack[0]", "not a hex digit"),
    ("stack_too_long", [hdr(), enter(stack=["0x1"] * 257)], 2, "stack", "at most 256"),
    ("stack_17_digits", [hdr(), enter(stack=["0x" + "1" * 17])], 2, "stack[0]",
     "more than 16"),
    ("buf_bad_address", [hdr(), enter(bufs=[buf(addr="2000")])], 2, "bufs[0].addr",
     "not an address"),
    ("buf_unknown_field", [hdr(), enter(bufs=[buf(field="private_data")])], 2,
     "bufs[0].field", "not a buffer of D3DKMTEscape"),
    ("buf_not_object", [hdr(), enter(bufs=[buf(), 7])], 2, "bufs[1]",
     "expected an object"),
    ("buf_no_field", [hdr(), enter(bufs=[buf(field=None)])], 2, "bufs[0].field",
     "required key missing"),
    ("buf_data_longer_than_len", [hdr(), enter(bufs=[buf(len=3)])], 2,
     "bufs[0].data", "4 bytes, more than len (3)"),
    ("buf_data_odd", [hdr(), enter(bufs=[buf(data="123")])], 2, "bufs[0].data",
     "odd number"),
    ("buf_data_missing", [hdr(), enter(bufs=[buf(data=None)])], 2, "bufs[0].data",
     "required key missing"),
    ("buf_unreadable_with_data", [hdr(), enter(bufs=[buf(unreadable=True)])], 2,
     "bufs[0].data", "unreadable"),
    ("buf_unreadable_not_bool", [hdr(), enter(bufs=[buf(unreadable=1)])], 2,
     "bufs[0].unreadable", "expected a boolean"),
    ("buf_len_negative", [hdr(), enter(bufs=[buf(len=-1)])], 2, "bufs[0].len",
     "out of range"),
    ("buf_twice", [hdr(), enter(bufs=[buf(), buf()])], 2, "bufs[1].field",
     "second priv_drv_data"),
    ("buf_wrong_side", [hdr(), enter(function="D3DKMTEnumAdapters2",
                                     args=struct.pack("<IIQ", 1, 0, 0x1000).hex(),
                                     bufs=[buf(field="adapters", len=20,
                                               data="00" * 20)])],
     2, "bufs[0].field", "OUT buffer: it is not read on entry"),
    ("bufs_not_array", [hdr(), enter(bufs={"field": "x"})], 2, "bufs",
     "expected an array"),
    ("bufs_too_many", [hdr(), enter(bufs=[buf()] * 4097)], 2, "bufs", "at most 4096"),
    ("elem_without_parent", [hdr(), enter(bufs=[buf(elem=0)])], 2, "bufs[0].elem",
     "without parent"),
    ("parent_without_elem", [hdr(), ca_enter([buf(parent="allocation_info")])], 2,
     "bufs[0].elem", "required key missing"),
    ("parent_unknown", [hdr(), ca_enter([buf(parent="allocations", elem=0)])], 2,
     "bufs[0].parent", "not a buffer of D3DKMTCreateAllocation"),
    ("parent_without_elems", [hdr(), ca_enter([buf(parent="priv_drv_data", elem=0)])],
     2, "bufs[0].parent", "hold no buffers"),
    ("parent_child_unknown", [hdr(), ca_enter([buf(field="sysmem",
                                                   parent="allocation_info", elem=0)])],
     2, "bufs[0].field", "not a buffer of allocation_info's elements"),
    # The parent on this side holds 2 elements of 40 bytes: 0 and 1 exist.
    ("elem_out_of_range", [hdr(), ca_enter([
        buf(field="allocation_info", addr="0x4000", len=80, data=ELEMS.hex()),
        buf(parent="allocation_info", elem=2, addr="0x5000")])],
     2, "bufs[1].elem", "element 2 is past the end of allocation_info (2 elements)"),
    # No parent on this side: the count comes from the arguments (2).
    ("elem_out_of_range_by_args", [hdr(), ca_enter([
        buf(parent="allocation_info", elem=5, addr="0x5000")])],
     2, "bufs[0].elem", "past the end"),
    ("elem_twice", [hdr(), ca_enter([
        buf(parent="allocation_info", elem=1, addr="0x5000"),
        buf(parent="allocation_info", elem=1, addr="0x5000")])],
     2, "bufs[1].field", "second priv_drv_data of allocation_info element 1"),
    ("leave_without_enter", [hdr(), leave(1)], 2, "seq", "no enter with this seq"),
    ("leave_before_its_enter", [hdr(), enter(1), leave(2), enter(2)], 3, "seq",
     "no enter with this seq"),
    ("duplicate_leave", [hdr(), enter(1), leave(1), leave(1)], 4, "seq",
     "returned already"),
    ("seq_not_increasing", [hdr(), enter(2), enter(2)], 3, "seq",
     "does not follow the previous enter's 2"),
    ("seq_going_down", [hdr(), enter(5), leave(5), enter(3)], 4, "seq",
     "does not follow"),
    ("leave_time_backwards", [hdr(), enter(1, time_ns=1000), leave(1, time_ns=999)],
     3, "time_ns", "before the enter's time_ns 1000 (line 2)"),
    ("leave_args_size", [hdr(), enter(1), leave(1, args=ESC_ARGS + "00")], 3, "args",
     "33 bytes: D3DKMTEscape's argument struct is 32 bytes"),
    ("unreadable_with_args", [hdr(), enter(1, unreadable=True)], 2, "args",
     "an unreadable argument struct is given as \"\""),
    ("unreadable_with_bufs", [hdr(), enter(1, unreadable=True, args="", bufs=[buf()])], 2,
     "bufs", "the argument struct was unreadable"),
    ("unreadable_not_bool", [hdr(), enter(1, unreadable="yes", args="")], 2, "unreadable",
     "expected a boolean"),
    ("readable_empty_args", [hdr(), enter(1, args="")], 2, "args",
     "0 bytes: D3DKMTEscape's argument struct is 32 bytes"),
    ("leave_unreadable_with_args", [hdr(), enter(1), leave(1, unreadable=True)], 3, "args",
     "unreadable"),
    ("leave_status_too_big", [hdr(), enter(1), leave(1, status=4294967296)], 3,
     "status", "out of range"),
    ("leave_status_negative", [hdr(), enter(1), leave(1, status=-1073741811)], 3,
     "status", "out of range"),
    ("leave_status_hex_long", [hdr(), enter(1), leave(1, status="0x1C0000023")], 3,
     "status", "not an NTSTATUS"),
    ("leave_status_missing", [hdr(), enter(1), leave(1, status=None)], 3, "status",
     "required key missing"),
    ("leave_in_buffer", [hdr(), enter(1, function="D3DKMTCreateAllocation", args=CA_ARGS),
                         leave(1, args=CA_ARGS, bufs=[buf()])],
     3, "bufs[0].field", "IN buffer: it is not read on return"),
    ("envelope_no_payload", [hdr(), j({"type": "send"})], 2, "payload",
     "required key missing"),
    ("envelope_payload_string", [hdr(), j({"type": "send", "payload": "hi"})], 2,
     "payload", "expected an object"),
    ("envelope_bad_seq", [j({"type": "send", "payload": json.loads(hdr())}),
                          j({"type": "send", "payload": json.loads(enter(seq=-4))})],
     2, "payload.seq", "out of range"),
    ("envelope_nested", [hdr(), j({"type": "send", "payload": {"type": "send",
                                                               "payload": {}}})],
     2, "payload.type", "unknown type \"send\""),
    ("crlf_error_line", [hdr() + "\r", enter(1) + "\r", "\r", leave(1, tid="x") + "\r"],
     4, "tid", "expected an integer"),
    ("truncated_last_line", [hdr(), enter(1), b'{"type": "leave", "seq": 1, "ti'], 3, "",
     "not JSON"),
    ("invalid_utf8", [hdr(), b'{"type": "module", "name": "\xff", "base": "0x1", '
                      b'"size": 1}\n'], 2, "", "not JSON"),
]


def write_lines(path, lines):
    with open(path, "wb") as f:
        for ln in lines:
            f.write(ln if isinstance(ln, bytes) else ln.encode() + b"\n")


def run(dxgtrace, *args, stdin=None, cwd=None):
    env = dict(os.environ, DXGTRACE_NO_PROGRESS="1")
    return subprocess.run([dxgtrace, *args], stdin=stdin, capture_output=True,
                          cwd=cwd, env=env)


def fresh(work, name):
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def check_errors(dxgtrace, work):
    bad = 0
    for name, lines, line, field, words in CASES:
        d = fresh(work, "errors")
        write_lines(os.path.join(d, "case.jsonl"), lines)
        p = run(dxgtrace, "import", "frida", "case.jsonl", "-o", "out.dxgt", cwd=d)
        err = p.stderr.decode(errors="replace")
        want = f"dxgtrace: case.jsonl:{line}: " + (f"{field}: " if field else "")
        problems = []
        if p.returncode != 2:
            problems.append(f"exit status {p.returncode}, expected 2")
        if not err.startswith(want):
            problems.append(f"stderr does not start with {want!r}")
        elif field == "" and err[len(want):].split(":")[0].find(" ") < 0:
            problems.append("a field was named where none was expected")
        if words not in err:
            problems.append(f"stderr lacks {words!r}")
        if err.count("\n") != 1:
            problems.append("stderr is not one line")
        left = sorted(os.listdir(d))
        if left != ["case.jsonl"]:
            problems.append(f"files left behind: {left}")
        if problems:
            bad += 1
            print(f"FAIL {name}: {'; '.join(problems)}\n  stderr: {err.strip()}")
        else:
            print(f"ok   {name}: {err.strip()}")
    # An empty input, and one of empty lines only: no header at all.
    for name, data in (("empty", b""), ("blank", b"\n\r\n  \n")):
        d = fresh(work, "errors")
        with open(os.path.join(d, "case.jsonl"), "wb") as f:
            f.write(data)
        p = run(dxgtrace, "import", "frida", "case.jsonl", "-o", "out.dxgt", cwd=d)
        err = p.stderr.decode()
        if (p.returncode != 2 or err != "dxgtrace: case.jsonl: no header: the input "
                "holds no JSON object\n" or os.listdir(d) != ["case.jsonl"]):
            bad += 1
            print(f"FAIL {name}: exit {p.returncode}, stderr {err!r}")
        else:
            print(f"ok   {name}: {err.strip()}")
    print(f"{len(CASES) + 2 - bad} of {len(CASES) + 2} malformed inputs rejected as expected")
    return 1 if bad else 0


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def dump_blobs(text):
    """{(seq, "in priv_drv_data"): hex} from `dump --blobs`: a call line, then
    for each block "<side> <name>: N bytes" and its hex rows."""
    out, seq, key = {}, None, None
    for line in text.splitlines():
        if line[:6].strip().isdigit():
            seq, key = int(line.split()[0]), None
        elif line.startswith("        ") and not line.startswith("         "):
            key = line.strip().rsplit(":", 1)[0]
            out[(seq, key)] = ""
        elif key and line.startswith("          "):
            out[(seq, key)] += "".join(line[16:].split("|")[0].split())
    return out


def check_good(dxgtrace, work):
    d = fresh(work, "good")
    src = os.path.join(HERE, "good.jsonl")
    out = os.path.join(d, "good.dxgt")
    p = run(dxgtrace, "import", "frida", src, "-o", out)
    expect(p.returncode == 0, f"import failed: {p.stderr.decode()}")
    expect(p.stderr.decode() == f"imported 7 calls (1 did not return) from {src} into {out}\n",
           f"summary line: {p.stderr.decode()!r}")
    expect(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "mode is not 0600")

    # The independent reader, with the stored bytes.
    r = subprocess.run([sys.executable, os.path.join(HERE, "..", "spec", "read_trace.py"),
                        "--blobs", out], capture_output=True, text=True)
    expect(r.returncode == 0 and r.stderr.strip().endswith("complete"),
           f"read_trace.py: {r.stderr}")
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    metas = [x for x in rows if "meta" in x]
    calls = {x["seq"]: x for x in rows if "seq" in x}
    by = {}
    for m in metas:
        by.setdefault(m["meta"], []).append(m["fields"])
    expect(by["host"] == [{"os": "windows", "arch": "x64", "layout": "win64",
                           "os_version": "10.0.26100", "hostname": "bench-pc"}],
           f"host: {by['host']}")
    expect(by["process"] == [{"pid": 4242, "exe": "C:\\Tools\\npu-probe.exe",
                              "start_unix_ns": 1717171717000000000}],
           f"process: {by['process']}")
    expect(by["options"] == [{"source": "frida", "format_version": 1, "hook": "gdi32",
                              "agent": "dxgtrace-frida-agent 0.1", "input": src}],
           f"options: {by['options']}")
    expect(by["mmap"] == [
        {"start": 0x7ff6a0000000, "end": 0x7ff6a0010000, "offset": 0,
         "path": "C:\\Tools\\npu-probe.exe"},
        {"start": 0x7ffb10000000, "end": 0x7ffb1002c000, "offset": 0, "path": "gdi32.dll"}],
        f"mmap: {by['mmap']}")
    expect(by["adapter"] == [{"luid": 0xc3a1, "vendor": 0x8086, "device": 0x7d1d,
                              "subsys": 0x00011028, "revision": 4,
                              "description": "Intel(R) AI Boost"}],
           f"adapter: {by['adapter']}")
    expect(sorted(calls) == [1, 2, 3, 4, 5, 7, 8], f"calls: {sorted(calls)}")
    for c in calls.values():
        expect(c["layer"] == "d3dkmt" and c["parent"] == 0, f"call {c['seq']}: layer, parent")
    expect([calls[s]["call_id"] for s in (1, 2, 3, 4, 5, 7, 8)] ==
           [0x14, 0x01, 0x0d, 0x0d, 0x100, 0x02, 0x09], "call ids")

    c = calls[1]
    expect(c["tid"] == 1200 and c["t_enter_ns"] == 1000 and c["t_leave_ns"] == 2500,
           "call 1 thread and times")
    expect(c["frames"] == ["0x7ffb10001234", "0x7ff6a0001000"], "call 1 frames")
    expect(c["status"] == "0x00000000" and c["ret"] == 0 and c["errno"] == 0, "call 1 result")
    expect(c["in"]["bufs"] == [] and len(c["out"]["bufs"]) == 1, "call 1 buffers")
    b = c["out"]["bufs"][0]
    expect(b["desc"] == 0 and b["level"] == 0 and b["flags"] == 0 and b["orig_len"] == 20
           and b["hex"] == "00000040a1c30000000000000000000000000000", f"call 1 out: {b}")

    c = calls[3]
    pin = bytes((i * 7 + 3) & 0xff for i in range(568)).hex()
    pout = bytes((i * 13 + 1) & 0xff for i in range(568)).hex()
    bi, bo = c["in"]["bufs"], c["out"]["bufs"]
    expect(len(bi) == 1 and bi[0]["hex"] == pin and bi[0]["flags"] == 0 and
           bi[0]["orig_len"] == 568 and bi[0]["len"] == 568 and bi[0]["addr"] == "0x2000",
           "escape input buffer")
    expect(len(bo) == 1 and bo[0]["hex"] == pout and bo[0]["flags"] == 0,
           "escape output buffer")
    expect(c["in"]["args"] == "0000004000000000000000000000000000200000000000003802000000000000",
           f"escape args: {c['in']['args']}")

    c = calls[4]
    expect(c["status"] == "0xc000000d" and c["ret"] == -1073741811 and c["errno"] == 0,
           f"call 4 result: {c['status']} {c['ret']}")
    bi, bo = c["in"]["bufs"][0], c["out"]["bufs"][0]
    expect(bi["flags"] == 2 and bi["len"] == 0 and bi["orig_len"] == 64 and bi["hex"] == "",
           f"unreadable input: {bi}")
    expect(bo["flags"] == 1 and bo["len"] == 4 and bo["orig_len"] == 64 and
           bo["hex"] == "deadbeef", f"truncated output: {bo}")

    c = calls[5]
    bi = c["in"]["bufs"]
    expect([(b["level"], b["desc"], b["parent"], b["elem"]) for b in bi] ==
           [(1, 0, 2, 0), (0, 2, None, 0)], f"second-level buffer: {bi}")
    expect(bi[0]["hex"] == "0102030405060708", "second-level bytes")

    c = calls[7]
    expect(c["returned"] is False and c["out"] is None, "call 7 never returned")

    c = calls[8]  # the argument struct itself was unreadable
    expect(c["in"] == {"args": "", "bufs": []} and c["out"] == {"args": "", "bufs": []} and
           c["status"] == "0xc0000005", f"call 8: {c}")

    # The format-level fields the JSON does not show.
    with open(out, "rb") as f:
        t = read_trace.read_trace(f.read())
    expect(t.complete, "trace not complete")
    expect(t.created_unix_ns == 1717171717000000000, "created_unix_ns is not the capture's start")
    for e in t.enters.values():
        expect(e.fd == -1 and e.code == 0 and e.obj == 0 and e.layer == 1,
               f"enter {e.seq}: fd {e.fd} code {e.code} object {e.obj}")
    for lv in t.leaves.values():
        expect(lv.flags & 1, f"leave {lv.seq}: NTSTATUS flag not set")

    # dxgtrace's own reader.
    p = run(dxgtrace, "dump", "--blobs", out)
    text = p.stdout.decode()
    expect(p.returncode == 0, f"dump: {p.stderr.decode()}")
    for needle in ("D3DKMTEnumAdapters2", "D3DKMTOpenAdapterFromLuid", "STATUS_INVALID_PARAMETER",
                   "<no return>", "<unreadable 0x3000>", "64B(4 kept)"):
        expect(needle in text, f"dump --blobs lacks {needle!r}")
    blobs = dump_blobs(text)
    expect(blobs[(3, "in priv_drv_data")] == pin and blobs[(3, "out priv_drv_data")] == pout,
           "dump --blobs: the escape's bytes")
    expect(blobs[(4, "in priv_drv_data")] == "" and blobs[(4, "out priv_drv_data")] == "deadbeef",
           "dump --blobs: call 4's bytes")
    expect(blobs[(5, "in allocation_info[0].priv_drv_data")] == "0102030405060708",
           "dump --blobs: the second-level buffer")
    p = run(dxgtrace, "dump", "--json", out)
    js = [json.loads(x) for x in p.stdout.decode().splitlines()]
    names = [x.get("name") for x in js if "seq" in x]
    expect(names == ["D3DKMTEnumAdapters2", "D3DKMTOpenAdapterFromLuid", "D3DKMTEscape",
                     "D3DKMTEscape", "D3DKMTCreateAllocation", "D3DKMTCreateDevice",
                     "D3DKMTQueryAdapterInfo"],
           f"dump --json names: {names}")
    p = run(dxgtrace, "info", out)
    expect(b"1 never returned" in p.stdout and b"complete" in p.stdout, "info")
    print("good.jsonl: imported and read back by dump and read_trace.py")
    return 0


def envelope(line):
    return json.dumps({"type": "send", "payload": json.loads(line)})


def check_forms(dxgtrace, work):
    with open(os.path.join(HERE, "good.jsonl"), "rb") as f:
        plain = f.read()
    lines = [x for x in plain.decode().split("\n")]
    forms = {
        "plain": plain,
        "envelope": "\n".join(envelope(x) if x else x for x in lines).encode(),
        "crlf": plain.replace(b"\n", b"\r\n"),
        "no_final_newline": plain.rstrip(b"\n"),
        "crlf_no_final_newline": plain.replace(b"\n", b"\r\n").rstrip(b"\r\n"),
        "mixed": b"".join(x.encode() + (b"\r\n" if i % 2 else b"\n")
                          for i, x in enumerate(lines[:-1])),
    }
    traces = {}
    for name, data in forms.items():
        # The same input name in each directory: `input` is in the trace.
        d = fresh(work, "form-" + name)
        with open(os.path.join(d, "in.jsonl"), "wb") as f:
            f.write(data)
        p = run(dxgtrace, "import", "frida", "in.jsonl", "-o", "out.dxgt", cwd=d)
        expect(p.returncode == 0, f"{name}: {p.stderr.decode()}")
        with open(os.path.join(d, "out.dxgt"), "rb") as f:
            traces[name] = f.read()
    # Twice: the writer is given the capture's start time, so nothing varies.
    d = os.path.join(work, "form-plain")
    p = run(dxgtrace, "import", "frida", "in.jsonl", "-o", "again.dxgt", cwd=d)
    expect(p.returncode == 0, p.stderr.decode())
    with open(os.path.join(d, "again.dxgt"), "rb") as f:
        traces["again"] = f.read()
    for name, data in traces.items():
        expect(data == traces["plain"], f"{name}: not byte-identical to the plain import")
    # Standard input: the same but for the `input` option.
    d = fresh(work, "form-stdin")
    with open(os.path.join(HERE, "good.jsonl"), "rb") as f:
        p = run(dxgtrace, "import", "frida", "-", "-o", "out.dxgt", stdin=f, cwd=d)
    expect(p.returncode == 0, p.stderr.decode())
    expect(p.stderr.decode() == "imported 7 calls (1 did not return) from standard input "
           "into out.dxgt\n", p.stderr.decode())
    a = run(dxgtrace, "dump", "--json", "--blobs", os.path.join(d, "out.dxgt")).stdout
    b = run(dxgtrace, "dump", "--json", "--blobs",
            os.path.join(work, "form-plain", "out.dxgt")).stdout
    expect(a.replace(b'"input":"standard input"', b'"input":"in.jsonl"') == b,
           "stdin import differs")
    print(f"{len(traces)} forms byte-identical; standard input the same calls")
    return 0


def check_options(dxgtrace, work):
    d = fresh(work, "options")
    src = os.path.join(HERE, "good.jsonl")
    out = os.path.join(d, "out.dxgt")
    with open(out, "w") as f:
        f.write("precious")
    p = run(dxgtrace, "import", "frida", src, "-o", out)
    expect(p.returncode == 2 and p.stderr.decode() ==
           f"dxgtrace: import: {out}: exists; give --force to replace it\n",
           f"no --force: {p.returncode} {p.stderr.decode()!r}")
    with open(out) as f:
        expect(f.read() == "precious", "replaced without --force")
    p = run(dxgtrace, "import", "frida", "--force", src, "-o", out)
    expect(p.returncode == 0, p.stderr.decode())
    expect(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "mode after --force")
    expect(sorted(os.listdir(d)) == ["out.dxgt"], f"left: {os.listdir(d)}")
    # A failed import with --force leaves the old file alone.
    bad = os.path.join(d, "bad.jsonl")
    write_lines(bad, [hdr(), enter(1), leave(2)])
    before = open(out, "rb").read()
    p = run(dxgtrace, "import", "frida", "-f", bad, "-o", out)
    expect(p.returncode == 2 and open(out, "rb").read() == before, "failed --force import")
    expect(sorted(os.listdir(d)) == ["bad.jsonl", "out.dxgt"], f"left: {os.listdir(d)}")

    p = run(dxgtrace, "import", "--help")
    expect(p.returncode == 0 and p.stdout.startswith(b"usage: dxgtrace import frida"), "--help")
    p = run(dxgtrace, "help", "import")
    expect(p.returncode == 0 and p.stdout.startswith(b"usage: dxgtrace import frida"), "help")
    p = run(dxgtrace, "--help")
    expect(b"  import " in p.stdout, "import not in the command list")
    for args, msg in (
        (["import"], "expected a format"),
        (["import", "etw", "x", "-o", "y"], "'etw' is not a format"),
        (["import", "frida", "-o", "y"], "expected one input file"),
        (["import", "frida", "a", "b", "-o", "y"], "expected one input file"),
        (["import", "frida", src], "-o OUT is required"),
        (["import", "frida", src, "-o"], "needs a value"),
        (["import", "--bogus"], "unknown option"),
        (["import", "frida", os.path.join(d, "missing.jsonl"), "-o",
          os.path.join(d, "x.dxgt")], "cannot open"),
        (["import", "frida", src, "-o", os.path.join(d, "no", "dir.dxgt")],
         "cannot create"),
    ):
        p = run(dxgtrace, *args)
        expect(p.returncode == 2 and msg in p.stderr.decode(),
               f"{args}: {p.returncode} {p.stderr.decode()!r}")

    # A long line (a 1 MiB escape buffer): no fixed line buffer.
    big = bytes(i & 0xff for i in range(1 << 20))
    args = struct.pack("<IIIIQII", 0x40000000, 0, 0, 0, 0x2000, len(big), 0).hex()
    longf = os.path.join(d, "long.jsonl")
    write_lines(longf, [hdr(), enter(1, args=args, bufs=[buf(len=len(big), data=big.hex())])])
    p = run(dxgtrace, "import", "frida", longf, "-o", os.path.join(d, "long.dxgt"))
    expect(p.returncode == 0, p.stderr.decode())
    r = subprocess.run([sys.executable, os.path.join(HERE, "..", "spec", "read_trace.py"),
                        "--blobs", os.path.join(d, "long.dxgt")], capture_output=True,
                       text=True)
    call = [json.loads(x) for x in r.stdout.splitlines() if '"seq"' in x][0]
    expect(call["in"]["bufs"][0]["hex"] == big.hex(), "long buffer bytes")
    print("options, usage errors, --force, mode and a long line ok")
    return 0


def main():
    dxgtrace, work, what = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    fn = {"errors": check_errors, "good": check_good, "forms": check_forms,
          "options": check_options}[what]
    try:
        return fn(dxgtrace, work)
    except AssertionError as e:
        print(f"FAIL: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
