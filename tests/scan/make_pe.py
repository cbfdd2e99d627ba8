#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A minimal PE32+ image for `dxgtrace scan`, written byte by byte.

    make_pe.py OUT

plant.sys: a native (driver) image for x86-64 at image base 0x140000000
with three sections, laid out so every address is known in advance:

  .text   rva 0x1000, file 0x200: the planted instructions
    0x1000 PlantReturn    mov eax, 0xC0000023; ret           (exported)
    0x1010 (unnamed)      cmp eax, 0xC0000023; sete al; ret  (.pdata only: sub_1010)
    0x1020 PlantStore     mov dword ptr [rcx], 0xC0000023; ret
    0x1030 PlantReturn64  mov rax, 0xFFFFFFFFC0000023; ret
    0x1040 CallEscape     call [rip -> IAT slot of gdi32!D3DKMTEscape]; ret
    0x1050 (unnamed)      lea rcx, [rip -> "D3DKMTQueryAdapterInfo"]; ret
  .rdata  rva 0x2000, file 0x400: export directory, import directory,
          strings, a pointer to one of them (a table of names), unwind info
  .pdata  rva 0x3000, file 0x600: one RUNTIME_FUNCTION per function

run_scan.py imports build() to derive damaged variants from the same
bytes; tests/fuzz uses the output as a seed.
"""
import struct
import sys

IMAGE_BASE = 0x140000000
TEXT_RVA, RDATA_RVA, PDATA_RVA = 0x1000, 0x2000, 0x3000
TEXT_OFF, RDATA_OFF, PDATA_OFF = 0x200, 0x400, 0x600
FILE_SIZE = 0x800
PE_OFF = 0x40
OPT_SIZE = 240

# .rdata layout (rvas)
EXPORT_DIR = 0x2000
EXPORT_FUNCS, EXPORT_NAMES, EXPORT_ORDS = 0x2028, 0x2038, 0x2048
DLL_NAME = 0x2070
IMPORT_DIR = 0x2100
ILT, IAT = 0x2140, 0x2160
HINT_NAME = 0x2180
IMPORT_DLL = 0x21A0
QUERY_NAME = 0x21C0
NAME_TABLE = 0x21E0
UNWIND = 0x21F0

# Offsets of fields run_scan.py damages.
COFF_OFF = PE_OFF + 4
OPT_OFF = COFF_OFF + 20
SECTIONS_OFF = OPT_OFF + OPT_SIZE


def rel32(at_rva, insn_len, target_rva):
    return struct.pack("<i", target_rva - (at_rva + insn_len))


def text():
    code = {
        0x1000: bytes.fromhex("b8230000c0c3"),
        0x1010: bytes.fromhex("3d230000c00f94c0c3"),
        0x1020: bytes.fromhex("c701230000c0c3"),
        0x1030: bytes.fromhex("48c7c0230000c0c3"),
        0x1040: b"\xff\x15" + rel32(0x1040, 6, IAT) + b"\xc3",
        0x1050: b"\x48\x8d\x0d" + rel32(0x1050, 7, QUERY_NAME) + b"\xc3",
    }
    t = bytearray(b"\xcc" * 0x60)
    for rva, b in code.items():
        t[rva - TEXT_RVA:rva - TEXT_RVA + len(b)] = b
    return bytes(t)


def rdata():
    r = bytearray(0x200)

    def put(rva, b):
        r[rva - RDATA_RVA:rva - RDATA_RVA + len(b)] = b

    exports = [("CallEscape", 0x1040), ("PlantReturn", 0x1000),
               ("PlantReturn64", 0x1030), ("PlantStore", 0x1020)]
    put(EXPORT_DIR, struct.pack("<IIHHIIIIIII", 0, 0, 0, 0, DLL_NAME, 1,
                                len(exports), len(exports), EXPORT_FUNCS,
                                EXPORT_NAMES, EXPORT_ORDS))
    put(DLL_NAME, b"plant.sys\0")
    for i, (name, rva) in enumerate(exports):
        name_rva = 0x2080 + 0x10 * i
        put(EXPORT_FUNCS + 4 * i, struct.pack("<I", rva))
        put(EXPORT_NAMES + 4 * i, struct.pack("<I", name_rva))
        put(EXPORT_ORDS + 2 * i, struct.pack("<H", i))
        put(name_rva, name.encode() + b"\0")
    put(IMPORT_DIR, struct.pack("<IIIII", ILT, 0, 0, IMPORT_DLL, IAT))
    put(ILT, struct.pack("<QQ", HINT_NAME, 0))
    put(IAT, struct.pack("<QQ", HINT_NAME, 0))
    put(HINT_NAME, struct.pack("<H", 0) + b"D3DKMTEscape\0")
    put(IMPORT_DLL, b"gdi32.dll\0")
    put(QUERY_NAME, b"D3DKMTQueryAdapterInfo\0")
    put(NAME_TABLE, struct.pack("<Q", IMAGE_BASE + QUERY_NAME))
    put(UNWIND, bytes([1, 0, 0, 0]))
    return bytes(r)


FUNCTIONS = [(0x1000, 0x1006), (0x1010, 0x1019), (0x1020, 0x1027),
             (0x1030, 0x1038), (0x1040, 0x1047), (0x1050, 0x1058)]


def pdata():
    p = b"".join(struct.pack("<III", b, e, UNWIND) for b, e in FUNCTIONS)
    return p + bytes(0x200 - len(p))


def section(name, vsize, rva, rawsize, rawptr, chars):
    return struct.pack("<8sIIIIIIHHI", name, vsize, rva, rawsize, rawptr,
                       0, 0, 0, 0, chars)


def build():
    f = bytearray(FILE_SIZE)
    f[0:2] = b"MZ"
    f[0x3C:0x40] = struct.pack("<I", PE_OFF)
    f[PE_OFF:PE_OFF + 4] = b"PE\0\0"
    # COFF: AMD64, 3 sections, the optional header's size, executable +
    # large address aware.
    f[COFF_OFF:COFF_OFF + 20] = struct.pack("<HHIIIHH", 0x8664, 3, 0, 0, 0,
                                            OPT_SIZE, 0x22)
    dirs = [(0, 0)] * 16
    dirs[0] = (EXPORT_DIR, 0xC0)
    dirs[1] = (IMPORT_DIR, 40)
    dirs[3] = (PDATA_RVA, 12 * len(FUNCTIONS))
    dirs[12] = (IAT, 16)
    opt = struct.pack("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII",
                      0x20B, 14, 0, 0x200, 0x400, 0, 0x1000, 0x1000,
                      IMAGE_BASE, 0x1000, 0x200, 10, 0, 10, 0, 10, 0,
                      0, 0x4000, 0x200, 0, 1, 0x160,
                      0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += b"".join(struct.pack("<II", rva, size) for rva, size in dirs)
    assert len(opt) == OPT_SIZE
    f[OPT_OFF:OPT_OFF + OPT_SIZE] = opt
    secs = (section(b".text", 0x60, TEXT_RVA, 0x200, TEXT_OFF, 0x60000020) +
            section(b".rdata", 0x200, RDATA_RVA, 0x200, RDATA_OFF, 0x40000040) +
            section(b".pdata", 12 * len(FUNCTIONS), PDATA_RVA, 0x200,
                    PDATA_OFF, 0x40000040))
    f[SECTIONS_OFF:SECTIONS_OFF + len(secs)] = secs
    f[TEXT_OFF:TEXT_OFF + 0x60] = text()
    f[RDATA_OFF:RDATA_OFF + 0x200] = rdata()
    f[PDATA_OFF:PDATA_OFF + 0x200] = pdata()
    return f


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_pe.py OUT")
    with open(sys.argv[1], "wb") as out:
        out.write(build())


if __name__ == "__main__":
    main()
