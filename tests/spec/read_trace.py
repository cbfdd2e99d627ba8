#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent reader for dxgtrace trace files.

Written from docs/trace-format.md alone (not from the C sources), to show
that the specification is complete.  Usage:

    read_trace.py [--blobs] FILE   print the trace as JSON Lines: the META
                                   records in file order, then one line per
                                   call in sequence order
    read_trace.py --selftest       build small traces in memory and read
                                   them back

The last line on stderr is `complete` or `incomplete: <reason>`.  Exit
status: 0 when the file header is valid (whatever happens later in the
file: damaged and truncated chunks only end the reading), 2 when the file
cannot be read at all (empty, bad magic, bad header, unknown major version).

Fields the C tool takes from the call descriptor list (`name`, `args`,
buffer `name`) are not format-level; this reader prints them as null / {}.
"""

import argparse
import json
import struct
import sys
import zlib
from dataclasses import dataclass, field

try:
    import zstandard
except ImportError:  # e.g. a pyenv interpreter without Debian's dist-packages
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import zstandard
    except ImportError:
        zstandard = None

# --- constants from the spec -------------------------------------------------

FILE_MAGIC = b"DXGTRACE"
CHUNK_MAGIC = b"DXGC"
TRAILER_MAGIC = b"DXGTEND1"
MAJOR_VERSION = 1

FILE_HEADER = struct.Struct("<8sHHIQII")     # 32 bytes
CHUNK_HEADER = struct.Struct("<4sBBHIIIIQII")  # 40 bytes
TRAILER = struct.Struct("<8sQ")              # 16 bytes
INDEX_ENTRY = struct.Struct("<QQII")         # 24 bytes
RECORD_HEADER = struct.Struct("<HHI")        # 8 bytes
ENTER_FIXED = struct.Struct("<QQQIBBHIiQIHH")  # 56 bytes
LEAVE_FIXED = struct.Struct("<QQIBBHqiIIHH")   # 48 bytes
BUFFER_HEADER = struct.Struct("<HBBIIIQH6s")   # 32 bytes
META_FIXED = struct.Struct("<HHI")           # 8 bytes
META_FIELD = struct.Struct("<BBHI")          # 8 bytes

MAX_HEADER_SIZE = 4096
CHUNK_RECORDS, CHUNK_INDEX = 1, 2
CODEC_STORED, CODEC_ZSTD = 0, 1
MAX_RAW_SIZE = 64 << 20
MAX_RECORD_SIZE = 64 << 20
MAX_BUFS = 4096
MAX_FRAMES = 256
MAX_FIELDS = 1024

REC_ENTER, REC_LEAVE, REC_META = 1, 2, 3
LEAVE_HAS_STATUS = 1
LAYERS = {1: "d3dkmt", 2: "dxcore", 3: "ioctl"}
LAYER_IOCTL = 3
NO_DESC = 0xFFFF
META_KINDS = {1: "process", 2: "host", 3: "adapter", 4: "mmap",
              5: "options", 6: "dropped", 7: "note"}
VAL_U64, VAL_STR, VAL_BYTES, VAL_I64 = 1, 2, 3, 4

for _s, _n in ((FILE_HEADER, 32), (CHUNK_HEADER, 40), (TRAILER, 16),
               (INDEX_ENTRY, 24), (RECORD_HEADER, 8), (ENTER_FIXED, 56),
               (LEAVE_FIXED, 48), (BUFFER_HEADER, 32), (META_FIXED, 8),
               (META_FIELD, 8)):
    assert _s.size == _n, (_s.format, _s.size, _n)


class FatalError(Exception):
    """The file cannot be read at all (exit status 2)."""


class ChunkError(Exception):
    """A chunk fails a check: it is not used and reading stops."""


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


# --- decoded records ---------------------------------------------------------

@dataclass
class Buffer:
    desc: int
    level: int
    flags: int
    elem: int
    orig_len: int
    addr: int
    parent: int
    data: bytes


@dataclass
class Enter:
    seq: int
    time_ns: int
    parent_seq: int
    tid: int
    layer: int
    call_id: int
    code: int
    fd: int
    obj: int
    args: bytes
    bufs: list
    frames: list


@dataclass
class Leave:
    flags: int
    seq: int
    time_ns: int
    tid: int
    layer: int
    call_id: int
    ret: int
    errno: int
    status: int
    args: bytes
    bufs: list


@dataclass
class Meta:
    kind: int
    fields: list  # of (key, value_type, value) in file order


@dataclass
class ChunkInfo:
    offset: int
    kind: int
    codec: int
    stored_size: int
    raw_size: int
    record_count: int
    first_seq: int

    @property
    def end(self):
        return self.offset + CHUNK_HEADER.size + self.stored_size


@dataclass
class Trace:
    major: int
    minor: int
    header_size: int
    created_unix_ns: int
    chunks: list = field(default_factory=list)   # valid record chunks
    metas: list = field(default_factory=list)    # in file order
    enters: dict = field(default_factory=dict)   # seq -> Enter
    leaves: dict = field(default_factory=dict)   # seq -> Leave
    unknown_records: int = 0
    orphans: int = 0
    notes: list = field(default_factory=list)
    complete: bool = False
    reason: str = ""


# --- record decoding ---------------------------------------------------------

class Cursor:
    """Bounded reads inside one record; running past the end is an error."""

    def __init__(self, buf, pos, end):
        self.buf, self.pos, self.end = buf, pos, end

    def take(self, n, what):
        if n > self.end - self.pos:
            raise ChunkError(f"{what} runs past the end of the record")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, st, what):
        return st.unpack(self.take(st.size, what))


def parse_buffers(cur, n_bufs):
    bufs = []
    for i in range(n_bufs):
        (desc, level, flags, elem, orig_len, length, addr, parent,
         _reserved) = cur.unpack(BUFFER_HEADER, f"buffer {i} header")
        if length > orig_len:
            raise ChunkError(f"buffer {i} stores {length} bytes, more than "
                             f"its orig_len {orig_len}")
        if level > 1:
            raise ChunkError(f"buffer {i} has level {level} (0 or 1)")
        data = cur.take(length, f"buffer {i} bytes")
        bufs.append(Buffer(desc, level, flags, elem, orig_len, addr, parent,
                           bytes(data)))
    return bufs


def parse_enter(cur):
    (seq, time_ns, parent_seq, tid, layer, _res, call_id, code, fd, obj,
     args_len, n_bufs, n_frames) = cur.unpack(ENTER_FIXED, "ENTER fixed part")
    if seq == 0:
        raise ChunkError("ENTER with seq 0")
    if n_bufs > MAX_BUFS:
        raise ChunkError(f"ENTER with {n_bufs} buffers (limit {MAX_BUFS})")
    if n_frames > MAX_FRAMES:
        raise ChunkError(f"ENTER with {n_frames} frames (limit {MAX_FRAMES})")
    args = bytes(cur.take(args_len, "ENTER arguments"))
    bufs = parse_buffers(cur, n_bufs)
    frames = list(struct.unpack(f"<{n_frames}Q",
                                cur.take(8 * n_frames, "ENTER frames")))
    return Enter(seq, time_ns, parent_seq, tid, layer, call_id, code, fd, obj,
                 args, bufs, frames)


def parse_leave(cur, flags):
    (seq, time_ns, tid, layer, _res, call_id, ret, errno, status, args_len,
     n_bufs, _res2) = cur.unpack(LEAVE_FIXED, "LEAVE fixed part")
    if seq == 0:
        raise ChunkError("LEAVE with seq 0")
    if n_bufs > MAX_BUFS:
        raise ChunkError(f"LEAVE with {n_bufs} buffers (limit {MAX_BUFS})")
    args = bytes(cur.take(args_len, "LEAVE arguments"))
    bufs = parse_buffers(cur, n_bufs)
    return Leave(flags, seq, time_ns, tid, layer, call_id, ret, errno, status,
                 args, bufs)


def parse_meta(cur):
    kind, n_fields, _res = cur.unpack(META_FIXED, "META fixed part")
    if n_fields > MAX_FIELDS:
        raise ChunkError(f"META with {n_fields} fields (limit {MAX_FIELDS})")
    fields = []
    for i in range(n_fields):
        vtype, key_len, _res, value_len = cur.unpack(META_FIELD,
                                                     f"META field {i} header")
        raw_key = bytes(cur.take(key_len, f"META field {i} key"))
        value = bytes(cur.take(value_len, f"META field {i} value"))
        if not raw_key or any(b < 0x21 or b > 0x7e for b in raw_key):
            raise ChunkError(f"META field {i} key is not printable ASCII")
        key = raw_key.decode("ascii")
        if any(key == k for k, _t, _v in fields):
            raise ChunkError(f"META field {i} repeats the key {key!r}")
        if vtype in (VAL_U64, VAL_I64):
            if value_len != 8:
                raise ChunkError(f"META field {key!r}: integer value of "
                                 f"{value_len} bytes")
            value = struct.unpack("<q" if vtype == VAL_I64 else "<Q", value)[0]
        elif vtype == VAL_STR:
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                pass  # not UTF-8: kept as bytes, as the spec says
        # VAL_BYTES and unknown value types stay bytes.
        fields.append((key, vtype, value))
    return Meta(kind, fields)


def parse_records(payload, record_count):
    """Decode a record chunk's payload; all records or ChunkError."""
    records, pos, n = [], 0, 0
    while pos < len(payload):
        if len(payload) - pos < RECORD_HEADER.size:
            raise ChunkError(f"record {n} at payload offset {pos}: header "
                             "runs past the end of the payload")
        rtype, flags, size = RECORD_HEADER.unpack_from(payload, pos)
        where = f"record {n} at payload offset {pos}"
        if size < RECORD_HEADER.size:
            raise ChunkError(f"{where}: size {size} is less than 8")
        if size > MAX_RECORD_SIZE:
            raise ChunkError(f"{where}: size {size} exceeds the record limit")
        if size > len(payload) - pos:
            raise ChunkError(f"{where}: size {size} runs past the end of the "
                             "payload")
        cur = Cursor(payload, pos + RECORD_HEADER.size, pos + size)
        try:
            if rtype == REC_ENTER:
                records.append(parse_enter(cur))
            elif rtype == REC_LEAVE:
                records.append(parse_leave(cur, flags))
            elif rtype == REC_META:
                records.append(parse_meta(cur))
            else:
                records.append(None)  # unknown type: skipped by size
                cur.pos = cur.end
        except ChunkError as e:
            raise ChunkError(f"{where}: {e}") from None
        if cur.pos != cur.end:
            raise ChunkError(f"{where}: {cur.end - cur.pos} bytes left over "
                             f"after the record's contents (size {size})")
        pos += size
        n += 1
    if n != record_count:
        raise ChunkError(f"payload holds {n} records, header says "
                         f"{record_count}")
    return records


def parse_index(payload, record_count):
    if len(payload) != record_count * INDEX_ENTRY.size:
        raise ChunkError(f"index payload of {len(payload)} bytes does not "
                         f"hold exactly {record_count} entries of 24 bytes")
    return [INDEX_ENTRY.unpack_from(payload, i * INDEX_ENTRY.size)
            for i in range(record_count)]


# --- file and chunk level ----------------------------------------------------

def parse_header(data):
    if not data:
        raise FatalError("empty file")
    if data[:len(FILE_MAGIC)] != FILE_MAGIC[:len(data)]:
        raise FatalError("bad magic: not a dxgtrace file")
    if len(data) < FILE_HEADER.size:
        raise FatalError(f"file ends inside the header ({len(data)} bytes)")
    (_magic, major, minor, header_size, created, _flags,
     header_crc) = FILE_HEADER.unpack_from(data)
    if major != MAJOR_VERSION:
        raise FatalError(f"unsupported major version {major}.{minor}")
    if crc32(data[:28]) != header_crc:
        raise FatalError("file header CRC mismatch")
    if not FILE_HEADER.size <= header_size <= MAX_HEADER_SIZE:
        raise FatalError(f"header_size {header_size} out of range")
    if len(data) < header_size:
        raise FatalError(f"file ends inside the header ({len(data)} of "
                         f"{header_size} bytes)")
    return Trace(major, minor, header_size, created)


def zstd_decompress(stored, raw_size):
    if zstandard is None:
        raise ChunkError("zstd chunk, but the Python module zstandard is "
                         "not available")
    try:
        content_size = zstandard.frame_content_size(stored)
        if content_size not in (-1, raw_size):
            raise ChunkError(f"zstd frame declares {content_size} bytes, "
                             f"raw_size is {raw_size}")
        dctx = zstandard.ZstdDecompressor()
        # Bounded read of the first frame ...
        reader = dctx.stream_reader(stored, read_across_frames=False)
        raw = bytearray()
        while len(raw) <= raw_size:
            piece = reader.read(raw_size + 1 - len(raw))
            if not piece:
                break
            raw += piece
        if len(raw) > raw_size:
            raise ChunkError(f"payload decompresses to more than raw_size "
                             f"{raw_size} bytes")
        if len(raw) < raw_size:
            raise ChunkError(f"payload decompresses to {len(raw)} bytes, "
                             f"raw_size is {raw_size}")
        # ... then make sure that frame is complete and is all there is.
        dobj = dctx.decompressobj()
        dobj.decompress(stored)
        if not dobj.eof:
            raise ChunkError("zstd frame is incomplete")
        if dobj.unused_data:
            raise ChunkError(f"{len(dobj.unused_data)} bytes after the zstd "
                             "frame")
    except zstandard.ZstdError as e:
        raise ChunkError(f"zstd error: {e}") from None
    return bytes(raw)


def read_chunk(data, off):
    """Check and return (ChunkInfo, raw payload), in the spec's order."""
    avail = len(data) - off
    if avail < CHUNK_HEADER.size:
        if data[off:off + 4] != CHUNK_MAGIC[:min(avail, 4)]:
            raise ChunkError("bad chunk magic")
        raise ChunkError(f"file ends inside the chunk header ({avail} of 40 "
                         "bytes)")
    (magic, kind, codec, _res, stored_size, raw_size, record_count,
     payload_crc, first_seq, _res2, header_crc) = CHUNK_HEADER.unpack_from(
        data, off)
    if magic != CHUNK_MAGIC:
        if data[off:off + 8] == TRAILER_MAGIC:
            raise ChunkError("trailer without an index chunk")
        raise ChunkError("bad chunk magic")
    if crc32(data[off:off + 36]) != header_crc:
        raise ChunkError("chunk header CRC mismatch")
    if kind not in (CHUNK_RECORDS, CHUNK_INDEX):
        raise ChunkError(f"unknown chunk kind {kind}")
    if codec not in (CODEC_STORED, CODEC_ZSTD):
        raise ChunkError(f"unknown codec {codec}")
    if raw_size > MAX_RAW_SIZE:
        raise ChunkError(f"raw_size {raw_size} exceeds 64 MiB")
    if codec == CODEC_STORED and stored_size != raw_size:
        raise ChunkError(f"stored chunk with stored_size {stored_size} != "
                         f"raw_size {raw_size}")
    info = ChunkInfo(off, kind, codec, stored_size, raw_size, record_count,
                     first_seq)
    if info.end > len(data):
        raise ChunkError(f"file ends inside the payload ({avail - 40} of "
                         f"{stored_size} bytes)")
    stored = data[off + CHUNK_HEADER.size:info.end]
    if crc32(stored) != payload_crc:
        raise ChunkError("payload CRC mismatch")
    if codec == CODEC_ZSTD:
        payload = zstd_decompress(stored, raw_size)
    else:
        payload = stored
    return info, payload


def check_ending(data, index, entries, record_chunks):
    """After a valid index chunk: return None if the file is complete,
    else the reason it is not."""
    end = index.end
    tail = len(data) - end
    if tail < TRAILER.size:
        return f"file ends inside the trailer ({tail} of 16 bytes)"
    magic, index_off = TRAILER.unpack_from(data, end)
    if magic != TRAILER_MAGIC:
        return f"no trailer after the index chunk at offset {index.offset}"
    if index_off != index.offset:
        return (f"trailer points at offset {index_off}, the index chunk is "
                f"at {index.offset}")
    if tail != TRAILER.size:
        return f"{tail - TRAILER.size} bytes after the trailer"
    if len(entries) != len(record_chunks):
        return (f"index has {len(entries)} entries, the file has "
                f"{len(record_chunks)} record chunks")
    for i, (entry, c) in enumerate(zip(entries, record_chunks)):
        actual = (c.offset, c.first_seq, c.record_count, c.raw_size)
        if tuple(entry) != actual:
            return (f"index entry {i} (offset, first_seq, count, raw_size) = "
                    f"{tuple(entry)} does not match the chunk {actual}")
    return None


def read_trace(data):
    """Read a whole trace file held in memory.  Raises FatalError when the
    header is unusable; otherwise returns a Trace with every record of the
    valid chunks and the reason reading stopped, if it was not complete."""
    data = memoryview(data).toreadonly()
    trace = parse_header(data)
    off = trace.header_size
    while True:
        if off == len(data):
            trace.reason = ("no index chunk and trailer: the recording was "
                            "cut off")
            break
        try:
            info, payload = read_chunk(data, off)
            if info.kind == CHUNK_INDEX:
                entries = parse_index(payload, info.record_count)
            else:
                records = parse_records(payload, info.record_count)
        except ChunkError as e:
            trace.reason = f"chunk at offset {off}: {e}"
            break
        if info.kind == CHUNK_INDEX:
            reason = check_ending(data, info, entries, trace.chunks)
            trace.complete = reason is None
            trace.reason = reason or ""
            break
        trace.chunks.append(info)
        for rec in records:
            add_record(trace, rec)
        off = info.end
    return trace


def add_record(trace, rec):
    if rec is None:
        trace.unknown_records += 1
    elif isinstance(rec, Meta):
        trace.metas.append(rec)
    else:
        table, name = ((trace.enters, "ENTER") if isinstance(rec, Enter)
                       else (trace.leaves, "LEAVE"))
        if isinstance(rec, Leave) and rec.seq not in trace.enters:
            # A LEAVE follows its ENTER in file order; one before it (or
            # with no ENTER at all) is an orphan.
            trace.notes.append(f"LEAVE for seq {rec.seq} before any ENTER: "
                               "orphan, not reported")
            trace.orphans += 1
        elif rec.seq in table:
            trace.notes.append(f"second {name} for seq {rec.seq} ignored")
        else:
            table[rec.seq] = rec


# --- JSON output -------------------------------------------------------------

def hex0x(v):
    return f"0x{v:x}"


def meta_json(meta):
    """One META line.  Built by hand so that field order and even repeated
    keys survive exactly as in the file."""
    kind = META_KINDS.get(meta.kind, f"meta-{meta.kind}")
    parts = []
    for key, _vtype, value in meta.fields:
        if isinstance(value, bytes):
            value = value.hex()
        elif isinstance(value, int) and value > 0x7fffffffffffffff:
            value = str(value)  # beyond a signed 64-bit JSON number
        parts.append(f"{json.dumps(key)}: {json.dumps(value)}")
    return f'{{"meta": {json.dumps(kind)}, "fields": {{{", ".join(parts)}}}}}'


def buffer_json(buf, blobs):
    out = {
        "desc": buf.desc,
        "name": None,
        "level": buf.level,
        "elem": buf.elem,
        "parent": None if buf.parent == NO_DESC else buf.parent,
        "flags": buf.flags,
        "orig_len": buf.orig_len,
        "len": len(buf.data),
        "addr": hex0x(buf.addr),
        "fnv1a": f"{fnv1a64(buf.data):016x}",
    }
    if blobs:
        out["hex"] = buf.data.hex()
    return out


def side_json(args, bufs, blobs):
    return {"args": args.hex(), "bufs": [buffer_json(b, blobs) for b in bufs]}


def call_json(enter, leave, blobs=False):
    out = {
        "seq": enter.seq,
        "tid": enter.tid,
        "layer": LAYERS.get(enter.layer, f"layer-{enter.layer}"),
        "call_id": enter.call_id,
        "name": None,
        "parent": enter.parent_seq,
        "t_enter_ns": enter.time_ns,
        "t_leave_ns": leave.time_ns if leave else None,
        "returned": leave is not None,
        "ret": leave.ret if leave else None,
        "errno": leave.errno if leave else None,
        "status": (f"0x{leave.status:08x}"
                   if leave and leave.flags & LEAVE_HAS_STATUS else None),
    }
    if enter.layer == LAYER_IOCTL:
        out["code"] = f"0x{enter.code:08x}"
        out["fd"] = enter.fd
    out["args"] = {}
    out["in"] = side_json(enter.args, enter.bufs, blobs)
    out["out"] = side_json(leave.args, leave.bufs, blobs) if leave else None
    out["frames"] = [hex0x(f) for f in enter.frames]
    return out


def json_lines(trace, blobs=False):
    for meta in trace.metas:
        yield meta_json(meta)
    for seq in sorted(trace.enters):
        yield json.dumps(call_json(trace.enters[seq], trace.leaves.get(seq),
                                   blobs))


def status_notes(trace):
    notes = list(trace.notes)
    orphans = sorted(set(trace.leaves) - set(trace.enters))
    if orphans:
        notes.append(f"{len(orphans)} LEAVE records without an ENTER "
                     f"(first seq {orphans[0]}) are not reported")
    if trace.unknown_records:
        notes.append(f"{trace.unknown_records} records of unknown type "
                     "skipped")
    return notes


# --- self test ---------------------------------------------------------------

def _record(rtype, body, flags=0):
    size = RECORD_HEADER.size + len(body)
    return RECORD_HEADER.pack(rtype, flags, size) + body


def _buffer(desc, data, level=0, flags=0, elem=0, orig_len=None, addr=0,
            parent=NO_DESC):
    return BUFFER_HEADER.pack(desc, level, flags, elem,
                              len(data) if orig_len is None else orig_len,
                              len(data), addr, parent, bytes(6)) + data


def _chunk(kind, codec, raw, count, first_seq):
    stored = raw
    if codec == CODEC_ZSTD:
        stored = zstandard.ZstdCompressor().compress(raw)
    head = CHUNK_HEADER.pack(CHUNK_MAGIC, kind, codec, 0, len(stored),
                             len(raw), count, crc32(stored), first_seq, 0, 0)
    return head[:36] + struct.pack("<I", crc32(head[:36])) + stored


def _file_header(major=1, minor=0):
    head = FILE_HEADER.pack(FILE_MAGIC, major, minor, 32, 1700000000 << 30,
                            0, 0)
    return head[:28] + struct.pack("<I", crc32(head[:28]))


def build_selftest_trace():
    """A two-call trace: chunk 1 (stored) holds a META, ENTER 1 with a
    buffer and two frames, ENTER 2 (never returns) and a record of unknown
    type; chunk 2 (zstd) holds LEAVE 1.  Then index and trailer."""
    meta = META_FIXED.pack(1, 4, 0)
    for vtype, key, value in (
            (VAL_U64, b"pid", struct.pack("<Q", 4242)),
            (VAL_STR, b"exe", "/usr/bin/vkcube\u00e9".encode()),
            (VAL_BYTES, b"build_id", bytes.fromhex("00ff7a")),
            (VAL_I64, b"delta", struct.pack("<q", -5))):
        meta += META_FIELD.pack(vtype, len(key), 0, len(value)) + key + value
    args_in = bytes(range(16))
    enter1 = ENTER_FIXED.pack(1, 1000, 0, 77, 3, 0, 0x05, 0xC0104705, 3, 0,
                              len(args_in), 1, 2)
    enter1 += args_in + _buffer(0, b"abc", orig_len=5, flags=1,
                                addr=0x7FFF0000) + struct.pack("<QQ", 0x401000,
                                                               0x402abc)
    enter2 = ENTER_FIXED.pack(2, 1500, 1, 78, 1, 0, 0x101, 0, -1, 0, 0, 0, 0)
    args_out = bytes(range(16, 32))
    leave1 = LEAVE_FIXED.pack(1, 2000, 77, 3, 0, 0x05, -22, 22, 0xC000000D,
                              len(args_out), 1, 0)
    leave1 += args_out + _buffer(1, b"xyz!", level=1, elem=2, parent=0,
                                 addr=0x10)
    recs1 = (_record(REC_META, meta) + _record(REC_ENTER, enter1)
             + _record(REC_ENTER, enter2) + _record(99, b"future!!"))
    recs2 = _record(REC_LEAVE, leave1, flags=LEAVE_HAS_STATUS)
    out = bytearray(_file_header())
    c1_off = len(out)
    out += _chunk(CHUNK_RECORDS, CODEC_STORED, recs1, 4, 1)
    c2_off = len(out)
    out += _chunk(CHUNK_RECORDS, CODEC_ZSTD, recs2, 1, 1)
    idx_off = len(out)
    index = (INDEX_ENTRY.pack(c1_off, 1, 4, len(recs1))
             + INDEX_ENTRY.pack(c2_off, 1, 1, len(recs2)))
    out += _chunk(CHUNK_INDEX, CODEC_STORED, index, 2, 0)
    out += TRAILER.pack(TRAILER_MAGIC, idx_off)
    return bytes(out), (c1_off, c2_off, idx_off)


def selftest():
    if zstandard is None:
        raise AssertionError("the zstandard module is needed for the selftest")
    data, (c1_off, c2_off, idx_off) = build_selftest_trace()
    trace = read_trace(data)
    assert trace.complete, trace.reason
    lines = [json.loads(line) for line in json_lines(trace)]
    assert lines[0] == {"meta": "process", "fields": {
        "pid": 4242, "exe": "/usr/bin/vkcube\u00e9", "build_id": "00ff7a",
        "delta": -5}}, lines[0]
    c1, c2 = lines[1], lines[2]
    assert (c1["seq"], c1["tid"], c1["layer"], c1["call_id"]) == (
        1, 77, "ioctl", 5)
    assert (c1["code"], c1["fd"], c1["parent"]) == ("0xc0104705", 3, 0)
    assert (c1["t_enter_ns"], c1["t_leave_ns"], c1["returned"]) == (
        1000, 2000, True)
    assert (c1["ret"], c1["errno"], c1["status"]) == (-22, 22, "0xc000000d")
    assert c1["in"]["args"] == bytes(range(16)).hex()
    assert c1["in"]["bufs"] == [{
        "desc": 0, "name": None, "level": 0, "elem": 0, "parent": None,
        "flags": 1, "orig_len": 5, "len": 3, "addr": "0x7fff0000",
        "fnv1a": f"{fnv1a64(b'abc'):016x}"}], c1["in"]["bufs"]
    assert fnv1a64(b"a") == 0xAF63DC4C8601EC8C  # published FNV-1a test vector
    assert c1["out"]["args"] == bytes(range(16, 32)).hex()
    b = c1["out"]["bufs"][0]
    assert (b["desc"], b["level"], b["elem"], b["parent"], b["len"]) == (
        1, 1, 2, 0, 4)
    assert c1["frames"] == ["0x401000", "0x402abc"]
    assert (c2["seq"], c2["layer"], c2["parent"], c2["returned"]) == (
        2, "d3dkmt", 1, False)
    assert c2["out"] is None and c2["ret"] is None and c2["status"] is None
    assert "code" not in c2 and "fd" not in c2 and c2["frames"] == []
    assert trace.unknown_records == 1

    def reread(blob):
        t = read_trace(blob)
        return t, sorted(t.enters), sorted(t.leaves)

    # Cut off before the index: both chunks are read, the file is incomplete.
    t, ent, lv = reread(data[:idx_off])
    assert not t.complete and ent == [1, 2] and lv == [1], t.reason
    # Cut inside the zstd chunk: only chunk 1 counts.
    t, ent, lv = reread(data[:c2_off + 50])
    assert not t.complete and ent == [1, 2] and lv == [], t.reason
    assert "inside the payload" in t.reason, t.reason
    # A flipped payload byte in chunk 1: nothing at all is reported.
    bad = bytearray(data)
    bad[c1_off + 40 + 20] ^= 1
    t, ent, lv = reread(bytes(bad))
    assert not t.complete and not ent and not t.metas, t.reason
    assert "payload CRC" in t.reason, t.reason
    # A wrong index entry: all records are read but the file is incomplete.
    bad = bytearray(data)
    bad[idx_off + 40 + 16] ^= 1  # entry 0's record_count
    payload = bytes(bad[idx_off + 40:idx_off + 40 + 48])
    bad[idx_off + 20:idx_off + 24] = struct.pack("<I", crc32(payload))
    bad[idx_off + 36:idx_off + 40] = struct.pack(
        "<I", crc32(bad[idx_off:idx_off + 36]))
    t, ent, lv = reread(bytes(bad))
    assert not t.complete and ent == [1, 2], t.reason
    assert "index entry 0" in t.reason, t.reason
    # Header problems are fatal.
    for blob, what in ((b"", "empty"), (b"NOTATRACE" + data[9:], "magic"),
                       (_file_header(major=2) + data[32:], "major"),
                       (data[:16] + b"\x01" + data[17:], "CRC")):
        try:
            read_trace(blob)
        except FatalError as e:
            assert what in str(e), (what, e)
        else:
            raise AssertionError(f"{what}: not rejected")
    # A newer minor version is accepted.
    assert read_trace(_file_header(minor=7) + data[32:]).complete
    print("selftest ok")


# --- command line ------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", help="trace file to read")
    ap.add_argument("--blobs", action="store_true",
                    help="add the stored bytes of each buffer as \"hex\"")
    ap.add_argument("--selftest", action="store_true",
                    help="check the reader against traces built in memory")
    opts = ap.parse_args(argv)
    if opts.selftest:
        selftest()
        return 0
    if not opts.file:
        ap.error("a trace file is required")
    try:
        with open(opts.file, "rb") as f:
            data = f.read()
        trace = read_trace(data)
    except (OSError, FatalError) as e:
        print(f"error: {opts.file}: {e}", file=sys.stderr)
        return 2
    for line in json_lines(trace, opts.blobs):
        print(line)
    sys.stdout.flush()
    for note in status_notes(trace):
        print(f"note: {note}", file=sys.stderr)
    print("complete" if trace.complete else f"incomplete: {trace.reason}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
