#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of `dxgtrace scan` on binaries built for it.

    run_scan.py --cli DXGTRACE --bin DIR --work DIR [--update] TEST

TEST is one of:
  plant   scan_plant (a program with one planted use of 0xC0000023 per
          class, and one the compiler wrote): every use found, classified,
          named, with a file offset that holds the instruction's bytes and
          a VA that nm agrees with; --status by name and by another value
  import  libscan_import.so --d3dkmt: PLT call, PLT tail call, GOT load,
          GOT call (-fno-plt), each named
  dlsym   libscan_dlsym.so --d3dkmt: a name passed to dlsym and a table of
          names in data (pointers the loader relocates)
  pe      a hand-built PE32+ (make_pe.py): golden output of scan and of
          scan --d3dkmt (tests/scan/expected/pe*.stdout; --update or
          DXGT_UPDATE_GOLDEN=1 rewrites them)
  json    --json carries the same hits as the text form
  errors  unusable and damaged files, ELF and PE, and a sample of cuts
          and byte flips of each: exit 2 with one line on stderr (or, for
          a flip the parser can live with, exit 0); never a crash
Prints one line per check, "ok - ..." or "not ok - ...", then "N checks,
M failed". Exit status: 0 when every check passed, 1 when one failed,
2 on a usage error.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import make_pe  # noqa: E402
from checks import check, finish, note  # noqa: E402

A = None

HIT = re.compile(r"^0x([0-9a-f]{8,}) 0x([0-9a-f]{16}) (\S+)\+0x([0-9a-f]+): (.*)$")


def scan(*args):
    p = subprocess.run([A.cli, "scan", *args], capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def hits(out):
    """The hit lines as (offset, va, function, function offset, rest)."""
    found = []
    for line in out.splitlines():
        m = HIT.match(line)
        if m:
            found.append((int(m[1], 16), int(m[2], 16), m[3], int(m[4], 16), m[5]))
    return found


def expect_hits(out, wanted, what):
    """wanted: (function, offset or None, regex for the rest). Every hit is
    wanted and every wanted one is there, once."""
    got = hits(out)
    ok = check(len(got) == len(wanted),
               f"{what}: {len(wanted)} hits (got {len(got)})")
    for fn, off, rest in wanted:
        match = [h for h in got if h[2] == fn and (off is None or h[3] == off)
                 and re.fullmatch(rest, h[4])]
        ok &= check(len(match) == 1, f"{what}: {fn}+{off if off is not None else '*'}: {rest}")
    if not ok:
        note(out)
    return got


def nm_symbols(path):
    if not shutil.which("nm"):
        return None
    p = subprocess.run(["nm", path], capture_output=True, text=True)
    syms = {}
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


def test_plant():
    path = os.path.join(A.bin, "scan_plant")
    rc, out, err = scan(path)
    check(rc == 0 and err == "", "scan scan_plant exits 0 quietly")
    wanted = [
        ("plant_return", 0, r"return \(mov eax, 0xc0000023\)"),
        ("plant_compare", 2, r"compare \(cmp eax, 0xc0000023\)"),
        ("plant_store", 0, r"store \(mov dword ptr \[rdi\], 0xc0000023\)"),
        ("plant_return64", 0, r"return \(mov rax, -0x3fffffdd\)"),
        ("plant_other", 0, r"other \(mov ecx, 0xc0000023\)"),
        ("is_too_small", None, r"compare \(cmp edi, 0xc0000023\)"),
    ]
    got = expect_hits(out, wanted, "scan_plant")
    check(out.splitlines()[-1:] == ["6 uses of 0xC0000023 STATUS_BUFFER_TOO_SMALL: "
                                    "2 return, 2 compare, 1 store, 1 other"],
          "scan_plant: the summary counts each class")
    data = open(path, "rb").read()
    check(all(bytes.fromhex("230000c0") in data[h[0]:h[0] + 10] for h in got),
          "scan_plant: each file offset holds the instruction's immediate")
    syms = nm_symbols(path)
    if syms is not None:
        check(all(syms.get(h[2]) == h[1] - h[3] for h in got),
              "scan_plant: each VA minus its function offset is the function's nm address")
    for spelling in ["STATUS_BUFFER_TOO_SMALL", "buffer_too_small", "0xC0000023", "C0000023",
                     "-1073741789"]:
        rc2, out2, _ = scan("--status", spelling, path)
        check(rc2 == 0 and out2 == out, f"--status {spelling} gives the same output")
    rc, out, err = scan("--status", "STATUS_UNSUCCESSFUL", path)
    check(rc == 0, "--status STATUS_UNSUCCESSFUL exits 0")
    expect_hits(out, [("plant_unsuccessful", 0, r"return \(mov eax, 0xc0000001\)")],
                "--status STATUS_UNSUCCESSFUL")
    rc, out, err = scan("--status", "0xC0000999", path)
    check(rc == 0 and out == "0 uses of 0xC0000999\n", "a constant used nowhere: 0 uses")
    rc, out, err = scan("--status", "STATUS_NO_SUCH_THING", path)
    check(rc == 2 and out == "" and len(err.splitlines()) == 1 and "--status" in err,
          "--status with an unknown name: exit 2, one line")
    rc, out, err = scan("--d3dkmt", path)
    check(rc == 0 and out == "0 call sites of D3DKMT functions\n",
          "--d3dkmt on a program that calls none: 0 call sites")


def test_import():
    path = os.path.join(A.bin, "libscan_import.so")
    rc, out, err = scan("--d3dkmt", path)
    check(rc == 0 and err == "", "scan --d3dkmt libscan_import.so exits 0 quietly")
    expect_hits(out, [
        ("call_escape", None,
         r"D3DKMTEscape, import call \(call 0x[0-9a-f]+ <D3DKMTEscape@plt>\)"),
        ("tail_close", None,
         r"D3DKMTCloseAdapter, import tail call \(jmp 0x[0-9a-f]+ <D3DKMTCloseAdapter@plt>\)"),
        ("keep_query", None,
         r"D3DKMTQueryAdapterInfo, import address \(mov r[a-z0-9]+, qword ptr "
         r"\[rip \+ 0x[0-9a-f]+\] <D3DKMTQueryAdapterInfo@got>\)"),
        ("call_lock", None,
         r"D3DKMTLock2, import call \(call qword ptr \[rip \+ 0x[0-9a-f]+\] <D3DKMTLock2@got>\)"),
    ], "libscan_import.so --d3dkmt")
    check(out.splitlines()[-1:] == ["4 call sites of D3DKMT functions: 2 import call, "
                                    "1 import tail call, 1 import address"],
          "libscan_import.so: the summary counts each kind")
    rc, out, err = scan(path)
    check(rc == 0 and out.startswith("0 uses of 0xC0000023"), "no status constant in it")


def test_dlsym():
    path = os.path.join(A.bin, "libscan_dlsym.so")
    rc, out, err = scan("--d3dkmt", path)
    check(rc == 0 and err == "", "scan --d3dkmt libscan_dlsym.so exits 0 quietly")
    expect_hits(out, [
        ("find_escape", None,
         r"D3DKMTEscape, dlsym name reference \(lea rsi, \[rip \+ 0x[0-9a-f]+\]\)"),
        ("scan_kmt_names", 0, r"D3DKMTCreateDevice, dlsym name table \(8-byte pointer in \.data\S*\)"),
        ("scan_kmt_names", 8, r"D3DKMTDestroyDevice, dlsym name table \(8-byte pointer in \.data\S*\)"),
    ], "libscan_dlsym.so --d3dkmt")


def golden(name, text):
    path = os.path.join(HERE, "expected", name)
    if A.update:
        with open(path, "w") as f:
            f.write(text)
        note(f"updated {path}")
        return
    want = open(path).read() if os.path.exists(path) else None
    if not check(text == want, f"output equals expected/{name}"):
        note("--- expected\n" + (want or "(missing)") + "--- got\n" + text)


def write_pe(name, data):
    path = os.path.join(A.work, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def test_pe():
    path = write_pe("plant.sys", make_pe.build())
    rc, out, err = scan(path)
    check(rc == 0 and err == "", "scan plant.sys exits 0 quietly")
    golden("pe.stdout", out)
    rc, out, err = scan("--d3dkmt", path)
    check(rc == 0 and err == "", "scan --d3dkmt plant.sys exits 0 quietly")
    golden("pe-d3dkmt.stdout", out)


def test_json():
    for args, path in [([], os.path.join(A.bin, "scan_plant")),
                       (["--d3dkmt"], os.path.join(A.bin, "libscan_import.so")),
                       (["--d3dkmt"], write_pe("plant.sys", make_pe.build()))]:
        rc, text, _ = scan(*args, path)
        rc2, js, _ = scan(*args, "--json", path)
        name = os.path.basename(path)
        if not check(rc == 0 and rc2 == 0, f"{name} {' '.join(args)}: text and --json exit 0"):
            continue
        objs = [json.loads(line) for line in js.splitlines()]
        lines = []
        for o in objs:
            rest = (f"{o['name']}, {o['kind']}" if args else o["class"]) + f" ({o['insn']})"
            lines.append(f"0x{int(o['offset'], 16):08x} 0x{int(o['va'], 16):016x} "
                         f"{o['function']}+0x{o['function_offset']:x}: {rest}")
        check(lines == text.splitlines()[:-1] and len(lines) > 0,
              f"{name} {' '.join(args)}: --json holds the same hits as the text")


def errors_case(what, path, pattern=None):
    rc, out, err = scan(path)
    lines = err.splitlines()
    ok = rc == 2 and out == "" and len(lines) == 1 and lines[0].startswith("dxgtrace: scan: ")
    if pattern:
        ok = ok and re.search(pattern, lines[0]) is not None
    if not check(ok, f"{what}: exit 2, one line" + (f" /{pattern}/" if pattern else "")):
        note(f"  rc={rc} stdout={out!r} stderr={err!r}")


def elf_patch(data, off, fmt, value):
    d = bytearray(data)
    struct.pack_into(fmt, d, off, value)
    return bytes(d)


def elf_section_headers(data):
    shoff, = struct.unpack_from("<Q", data, 40)
    shnum, = struct.unpack_from("<H", data, 60)
    return [(shoff + 64 * i, *struct.unpack_from("<IIQQQQIIQQ", data, shoff + 64 * i))
            for i in range(shnum)]


def sweep(what, variants):
    """Run scan over many damaged files; each must exit 0 or 2, 2 with one line."""
    bad = []
    for name, data in variants:
        path = write_pe("sweep.bin", data)
        rc, out, err = scan(path)
        if rc == 2 and out == "" and len(err.splitlines()) == 1:
            continue
        if rc == 0 and err.count("\n") <= 1:
            continue
        bad.append((name, rc, err.strip()[:200]))
    check(not bad, f"{what}: {len(variants)} files, each exit 0 or 2 with one line")
    for b in bad[:10]:
        note(f"  {b}")


def usage_case(what, args, pattern):
    rc, out, err = scan(*args)
    lines = err.splitlines()
    if not check(rc == 2 and out == "" and len(lines) == 1 and re.search(pattern, err),
                 f"{what}: exit 2, one line /{pattern}/"):
        note(f"  rc={rc} stdout={out!r} stderr={err!r}")


def test_errors():
    usage_case("no file", [], "expected one binary")
    usage_case("two files", ["a", "b"], "expected one binary")
    usage_case("an unknown option", ["--frobnicate", "a"], "unknown option '--frobnicate'")
    usage_case("--status without a value", ["--status"], "needs a value")
    rc, out, err = scan("--help")
    check(rc == 0 and out.startswith("usage: dxgtrace scan") and err == "", "--help: usage, exit 0")
    errors_case("a missing file", os.path.join(A.work, "no-such-file"), "no such file")
    errors_case("a directory", A.work, "is a directory")
    errors_case("a character device", "/dev/null", "not a regular file")
    errors_case("an empty file", write_pe("empty", b""), "the file is empty")
    errors_case("garbage", write_pe("garbage", bytes((i * 37 + 11) & 0xFF for i in range(4096))),
                "not an ELF or PE file")

    elf = open(os.path.join(A.bin, "libscan_import.so"), "rb").read()
    for n in [4, 16, 63]:
        errors_case(f"an ELF file cut at {n} bytes", write_pe("cut", elf[:n]),
                    "cut short inside its ELF header")
    for n in [64, 100, 1000, len(elf) // 2, len(elf) - 1]:
        errors_case(f"an ELF file cut at {n} bytes", write_pe("cut", elf[:n]))
    errors_case("ELF32", write_pe("v", elf_patch(elf, 4, "B", 1)), "32-bit")
    errors_case("big-endian ELF", write_pe("v", elf_patch(elf, 5, "B", 2)), "big-endian")
    errors_case("an AArch64 ELF", write_pe("v", elf_patch(elf, 18, "<H", 183)), "AArch64")
    errors_case("a core dump", write_pe("v", elf_patch(elf, 16, "<H", 4)), "core dump")
    errors_case("e_shoff past the end", write_pe("v", elf_patch(elf, 40, "<Q", 1 << 40)),
                "section headers")
    errors_case("e_shnum too large", write_pe("v", elf_patch(elf, 60, "<H", 0xFFFF)),
                "section headers")
    errors_case("e_phoff past the end", write_pe("v", elf_patch(elf, 32, "<Q", 1 << 62)),
                "program headers")
    errors_case("small section header entries", write_pe("v", elf_patch(elf, 58, "<H", 40)),
                "64 expected")
    shdrs = elf_section_headers(elf)
    text = [h for h in shdrs if h[2] == 1 and h[3] & 4][0]  # PROGBITS, executable
    errors_case("a code section past the end",
                write_pe("v", elf_patch(elf, text[0] + 24, "<Q", 1 << 40)), "runs past the end")
    errors_case("a code section larger than the file",
                write_pe("v", elf_patch(elf, text[0] + 32, "<Q", 1 << 40)), "runs past the end")
    dynsym = [h for h in shdrs if h[2] == 11][0]
    errors_case("a symbol table with odd entries",
                write_pe("v", elf_patch(elf, dynsym[0] + 56, "<Q", 7)), "24 expected")
    errors_case("a symbol table without strings",
                write_pe("v", elf_patch(elf, dynsym[0] + 40, "<I", 0)), "no string table")

    pe = bytes(make_pe.build())
    for n in [2, 63]:
        errors_case(f"a PE file cut at {n} bytes", write_pe("cut", pe[:n]), "DOS header")
    errors_case("no PE header", write_pe("v", elf_patch(pe, 0x3C, "<I", 0x7FFF0000)),
                "PE header")
    errors_case("an MS-DOS program", write_pe("v", elf_patch(pe, make_pe.PE_OFF, "<I", 0)),
                "MS-DOS")
    errors_case("an i386 PE", write_pe("v", elf_patch(pe, make_pe.COFF_OFF, "<H", 0x14C)), "i386")
    errors_case("a PE32 image", write_pe("v", elf_patch(pe, make_pe.OPT_OFF, "<H", 0x10B)),
                "PE32")
    errors_case("a small optional header",
                write_pe("v", elf_patch(pe, make_pe.COFF_OFF + 16, "<H", 16)), "too small")
    errors_case("too many sections",
                write_pe("v", elf_patch(pe, make_pe.COFF_OFF + 2, "<H", 0xFFFF)), "section table")
    errors_case("a section past the end",
                write_pe("v", elf_patch(pe, make_pe.SECTIONS_OFF + 20, "<I", 0x7FFFFFFF)),
                "runs past the end")
    dirs = make_pe.OPT_OFF + 112
    errors_case("an export directory outside the file",
                write_pe("v", elf_patch(pe, dirs, "<I", 0x7FFF0000)), "export directory")
    errors_case("an export table too long",
                write_pe("v", elf_patch(pe, make_pe.RDATA_OFF + 24, "<I", 0x40000000)),
                "export tables")
    errors_case("an exception directory too long",
                write_pe("v", elf_patch(pe, dirs + 3 * 8 + 4, "<I", 0x7FFFFFF0)),
                "exception directory")
    errors_case("an import directory outside the file",
                write_pe("v", elf_patch(pe, dirs + 8, "<I", 0x7FFF0000)), "import directory")

    # A sample through the command (scan.mutations feeds every cut and flip
    # to the parsers in-process): headers densely, the rest sparsely.
    pe_flips = list(range(0, make_pe.TEXT_OFF, 4)) + list(range(make_pe.TEXT_OFF, len(pe), 32))
    sweep("the PE cut every 16 bytes", [(f"cut {n}", pe[:n]) for n in range(0, len(pe), 16)])
    sweep("the PE with bytes flipped",
          [(f"flip {i}", pe[:i] + bytes([pe[i] ^ 0xFF]) + pe[i + 1:]) for i in pe_flips])
    step = max(1, len(elf) // 100)
    sweep("the ELF cut at 100 lengths",
          [(f"cut {n}", elf[:n]) for n in range(0, len(elf), step)])
    sweep("the ELF with 100 bytes flipped",
          [(f"flip {i}", elf[:i] + bytes([elf[i] ^ 0xFF]) + elf[i + 1:])
           for i in range(0, len(elf), step)])


TESTS = {"plant": test_plant, "import": test_import, "dlsym": test_dlsym, "pe": test_pe,
         "json": test_json, "errors": test_errors}


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--update", action="store_true")
    ap.add_argument("test", choices=sorted(TESTS))
    A = ap.parse_args()
    A.update = A.update or os.environ.get("DXGT_UPDATE_GOLDEN") == "1"
    os.makedirs(A.work, exist_ok=True)
    TESTS[A.test]()
    finish()


if __name__ == "__main__":
    main()
