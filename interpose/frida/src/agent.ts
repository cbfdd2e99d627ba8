// SPDX-License-Identifier: MIT
//
// dxgtrace's Windows-side capture agent, for Frida 17 on Windows x64. It
// hooks the D3DKMT functions of the descriptor table (calls.gen.ts) and
// sends one message per call start (`enter`) and per return (`leave`) in
// the JSON Lines format of docs/frida.md; `dxgtrace import frida` turns the
// saved messages into a trace.
//
// Nothing happens until the host calls rpc.exports.init(stage, parameters):
// it checks the options, sends the header and the module lines, and installs
// the hooks (also in modules loaded later). The hooks never throw: memory
// that cannot be read is reported as unreadable, buffers are capped at
// maxPayload bytes, and an unexpected failure is counted (rpc stats()) and
// the call passed through unrecorded.

import { CALLS, CF_ESCAPE, DIR_IN, DIR_OUT, RULE_COUNT, RULE_FIELD } from "./calls.gen.js";
import type { BufDesc, CallDesc } from "./calls.gen.js";
import { hexOf, hexU32, readBytes, uintField } from "./mem.js";

const AGENT = "dxgtrace-frida-agent 0.1.0";
const FORMAT_VERSION = 1;
const MAX_FRAMES = 256;
// The trace format holds at most this many buffers per side of a call.
const MAX_BUFS = 4096;
const U32_MAX = 0xffffffffn;
const U64_MAX = 0xffffffffffffffffn;

type HookMode = "gdi32" | "win32u";
type StackMode = "off" | "escapes" | "all";

interface Options {
  hook: HookMode;
  stacks: StackMode;
  maxPayload: number;
}

const DEFAULTS: Options = { hook: "gdi32", stacks: "escapes", maxPayload: 4 << 20 };
const MAX_PAYLOAD_LIMIT = 64 << 20;

// One element of an enter's or a leave's `bufs`.
interface BufLine {
  field: string;
  parent?: string;
  elem?: number;
  addr: string;
  len: number;
  data?: string;
  unreadable?: true;
}

let opts: Options = DEFAULTS;
let started = false;
let nextSeq = 0;
let errors = 0;
let recorded = 0;

// Time since the agent started, in whole nanoseconds, never decreasing.
const perf = (globalThis as { performance?: { now(): number } }).performance;
const clockMs: () => number =
  perf !== undefined && typeof perf.now === "function" ? () => perf.now() : () => Date.now();
const startMs = clockMs();
const startUnixMs = Date.now();
let lastNs = 0;

function nowNs(): number {
  const ns = Math.floor((clockMs() - startMs) * 1e6);
  if (ns > lastNs) lastNs = ns;
  return lastNs;
}

function parseOptions(parameters: unknown): Options {
  const o: Options = { ...DEFAULTS };
  if (parameters === undefined || parameters === null) return o;
  if (typeof parameters !== "object") throw new Error("init: parameters must be an object");
  const p = parameters as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    const v = p[key];
    if (key === "hook") {
      if (v !== "gdi32" && v !== "win32u") throw new Error('init: hook must be "gdi32" or "win32u"');
      o.hook = v;
    } else if (key === "stacks") {
      if (v !== "off" && v !== "escapes" && v !== "all")
        throw new Error('init: stacks must be "off", "escapes" or "all"');
      o.stacks = v;
    } else if (key === "maxPayload") {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_PAYLOAD_LIMIT)
        throw new Error(`init: maxPayload must be an integer from 0 to ${MAX_PAYLOAD_LIMIT}`);
      o.maxPayload = v;
    } else {
      throw new Error(`init: unknown option ${JSON.stringify(key)}`);
    }
  }
  return o;
}

// The length the rule gives, or null when a field lies outside the image or
// the product overflows 64 bits (such a buffer is not read at all).
function bufLen(b: BufDesc, img: Uint8Array): bigint | null {
  let n: bigint;
  if (b.rule === RULE_FIELD) {
    const v = uintField(img, b.lenOff, b.lenSize);
    if (v === null) return null;
    n = v;
  } else if (b.rule === RULE_COUNT) {
    const v = uintField(img, b.lenOff, b.lenSize);
    if (v === null) return null;
    n = v * BigInt(b.elemSize);
  } else {
    n = BigInt(b.fixed) * BigInt(b.elemSize);
  }
  return n > U64_MAX ? null : n;
}

interface ReadBuf {
  line: BufLine;
  bytes: Uint8Array | null; // what was stored; null when unreadable
  whole: boolean; // every byte the rule gave was stored
}

function readBuf(field: string, addr: bigint, len: bigint): ReadBuf {
  const cap = BigInt(opts.maxPayload);
  const keep = Number(len < cap ? len : cap);
  const line: BufLine = {
    field,
    addr: "0x" + addr.toString(16),
    len: Number(len > U32_MAX ? U32_MAX : len),
  };
  const bytes = readBytes(addr, keep);
  if (bytes === null) line.unreadable = true;
  else line.data = hexOf(bytes);
  return { line, bytes, whole: bytes !== null && BigInt(bytes.length) === len };
}

function sideHas(dir: number, enter: boolean): boolean {
  return (dir & (enter ? DIR_IN : DIR_OUT)) !== 0;
}

// The nested buffers of one side of a call, from the argument image img.
// A null pointer or a zero length gives no buffer. A first-level buffer of
// the other side is still read when its elements hold buffers of this side
// (they are found through it), but not sent; elements are only looked at
// when the first-level buffer was read whole.
function collectBufs(call: CallDesc, img: Uint8Array, enter: boolean): BufLine[] {
  const out: BufLine[] = [];
  for (const b of call.bufs) {
    if (out.length >= MAX_BUFS) break;
    const p = uintField(img, b.ptrOff, 8);
    if (p === null || p === 0n) continue;
    const mine = sideHas(b.dir, enter);
    const elem = b.elem !== null && b.elem.bufs.length > 0 ? b.elem : null;
    if (!mine && elem === null) continue;
    const len = bufLen(b, img);
    if (len === null || len === 0n) continue;
    const r = readBuf(b.field, p, len);
    if (mine) out.push(r.line);
    if (elem === null || r.bytes === null || !r.whole) continue;
    const esz = elem.size > 0 ? elem.size : b.elemSize;
    const count = Math.floor(r.bytes.length / esz);
    for (let e = 0; e < count; e++) {
      const eimg = r.bytes.subarray(e * esz, (e + 1) * esz);
      for (const eb of elem.bufs) {
        if (out.length >= MAX_BUFS) return out;
        if (!sideHas(eb.dir, enter)) continue;
        const ep = uintField(eimg, eb.ptrOff, 8);
        if (ep === null || ep === 0n) continue;
        const elen = bufLen(eb, eimg);
        if (elen === null || elen === 0n) continue;
        const er = readBuf(eb.field, ep, elen);
        er.line.parent = b.field;
        er.line.elem = e;
        out.push(er.line);
      }
    }
  }
  return out;
}

function wantStack(call: CallDesc): boolean {
  return opts.stacks === "all" || (opts.stacks === "escapes" && (call.flags & CF_ESCAPE) !== 0);
}

function stackOf(context: CpuContext): string[] | null {
  try {
    return Thread.backtrace(context)
      .slice(0, MAX_FRAMES)
      .map((p) => p.toString());
  } catch {
    return null;
  }
}

// The argument struct behind the function's only argument: kmtSize bytes,
// or null when the pointer cannot be read.
function readArgs(call: CallDesc, argp: NativePointer): Uint8Array | null {
  try {
    return readBytes(BigInt(argp.toString()), call.kmtSize);
  } catch {
    return null;
  }
}

function hookListener(call: CallDesc, fname: string): InvocationListenerCallbacks {
  return {
    onEnter(args) {
      this.dxgtSeq = 0;
      try {
        const seq = ++nextSeq;
        const argp = args[0];
        const img = readArgs(call, argp);
        const msg: Record<string, unknown> = {
          type: "enter",
          seq,
          tid: Process.getCurrentThreadId(),
          time_ns: nowNs(),
          function: fname,
        };
        if (img === null) {
          // The struct itself cannot be read (docs/frida.md, Agent): the call
          // is still recorded, with empty args, so that its status counts.
          msg.args = "";
          msg.unreadable = true;
        } else {
          msg.args = hexOf(img);
          const bufs = collectBufs(call, img, true);
          if (bufs.length > 0) msg.bufs = bufs;
        }
        if (wantStack(call)) {
          const st = stackOf(this.context);
          if (st !== null) msg.stack = st;
        }
        send(msg);
        this.dxgtSeq = seq;
        this.dxgtArgp = argp;
        recorded++;
      } catch {
        errors++;
      }
    },
    onLeave(retval) {
      const seq = this.dxgtSeq as number;
      if (!seq) return;
      try {
        const time_ns = nowNs();
        const msg: Record<string, unknown> = {
          type: "leave",
          seq,
          tid: Process.getCurrentThreadId(),
          time_ns,
          status: hexU32(retval.toUInt32()),
        };
        const img = readArgs(call, this.dxgtArgp as NativePointer);
        if (img === null) {
          msg.args = "";
          msg.unreadable = true;
        } else {
          msg.args = hexOf(img);
          const bufs = collectBufs(call, img, false);
          if (bufs.length > 0) msg.bufs = bufs;
        }
        send(msg);
      } catch {
        errors++;
      }
    },
  };
}

// --- hooking -----------------------------------------------------------------

const hooked = new Set<string>(); // call names
const hookedAddrs = new Set<string>();

function exportOf(module: string, name: string): NativePointer | null {
  try {
    return Process.getModuleByName(module).findExportByName(name);
  } catch {
    return null; // not loaded (yet)
  }
}

function isLoaded(module: string): boolean {
  try {
    Process.getModuleByName(module);
    return true;
  } catch {
    return false;
  }
}

// Where call is hooked in the current mode, if its module is loaded: in
// gdi32 mode the gdi32.dll export, else gdi32full.dll's when gdi32 lacks it.
// gdi32full is only used once gdi32 is there, so that a function is never
// hooked in both.
function resolve(call: CallDesc): { addr: NativePointer; fname: string } | null {
  if (opts.hook === "win32u") {
    const fname = "NtGdiDdDDI" + call.name.slice("D3DKMT".length);
    const addr = exportOf("win32u.dll", fname);
    return addr === null ? null : { addr, fname };
  }
  if (!isLoaded("gdi32.dll")) return null;
  const addr = exportOf("gdi32.dll", call.name) ?? exportOf("gdi32full.dll", call.name);
  return addr === null ? null : { addr, fname: call.name };
}

function hookAll(): void {
  for (const call of CALLS) {
    if (hooked.has(call.name)) continue;
    const r = resolve(call);
    if (r === null || r.addr.isNull()) continue;
    const key = r.addr.toString();
    hooked.add(call.name);
    if (hookedAddrs.has(key)) continue; // an alias of a function hooked already
    hookedAddrs.add(key);
    try {
      Interceptor.attach(r.addr, hookListener(call, r.fname));
    } catch {
      errors++;
    }
  }
}

const HOOK_MODULES = ["gdi32.dll", "gdi32full.dll", "win32u.dll"];

function sendModule(m: Module): void {
  send({ type: "module", name: m.name, base: m.base.toString(), size: m.size, path: m.path });
}

function mainPath(): string | undefined {
  try {
    return Process.mainModule.path;
  } catch {
    const mods = Process.enumerateModules();
    return mods.length > 0 ? mods[0].path : undefined;
  }
}

function init(stage: string, parameters: unknown): Record<string, unknown> {
  if (started) throw new Error("init: already initialised");
  if (Process.platform !== "windows" || Process.arch !== "x64")
    throw new Error(`init: the agent captures Windows x64 processes, not ${Process.platform} ${Process.arch}`);
  opts = parseOptions(parameters);
  started = true;
  const header: Record<string, unknown> = {
    type: "header",
    format: "dxgtrace-frida",
    version: FORMAT_VERSION,
    os: "windows",
    arch: "x64",
    pid: Process.id,
    hook: opts.hook,
    agent: AGENT,
    start_unix_ns: startUnixMs * 1e6,
  };
  const path = mainPath();
  if (path !== undefined) header.process = path;
  send(header);
  const observe = (Process as { attachModuleObserver?: unknown }).attachModuleObserver;
  if (typeof observe === "function") {
    // Called at once for every module loaded now, then for each new one.
    Process.attachModuleObserver({
      onAdded(m: Module) {
        try {
          sendModule(m);
          if (HOOK_MODULES.includes(m.name.toLowerCase())) hookAll();
        } catch {
          errors++;
        }
      },
    });
  } else {
    for (const m of Process.enumerateModules()) sendModule(m);
    hookAll();
  }
  return { stage, hook: opts.hook, hooked: hooked.size, of: CALLS.length };
}

rpc.exports = {
  init,
  // What the hooks did so far: calls sent, calls lost to an internal error,
  // D3DKMT functions hooked (of those in the table).
  stats(): Record<string, number> {
    return { calls: recorded, errors, hooked: hooked.size, of: CALLS.length };
  },
};
