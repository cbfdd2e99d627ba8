// SPDX-License-Identifier: MIT
//
// A fake of the part of Frida's JavaScript API the capture agent uses, for
// running the compiled agent in node against recorded memory:
//
//   node fake_frida.mjs AGENT.js SCENARIO.json OUT.jsonl
//
// The scenario (see scenario.json) gives the process (pid, modules and
// their exports), memory regions, calls (function, module, argument
// pointer, thread, status, the memory the call writes before it returns, a
// stack) and the order of events: "enter:KEY", "leave:KEY", "load:MODULE".
// The harness installs the globals (Process, Interceptor, NativePointer,
// ptr, Thread, send, rpc), imports the agent, calls rpc.exports.init with
// the scenario's params, then plays the events by calling the onEnter and
// onLeave callbacks the agent attached. Every send() payload becomes one
// line of OUT.jsonl. Reading unmapped memory throws, as Frida's access
// violations do; a hook that lets anything escape fails the run (exit 1).

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [agentPath, scenarioPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node fake_frida.mjs AGENT.js SCENARIO.json OUT.jsonl");
  process.exit(2);
}
const scenario = JSON.parse(fs.readFileSync(scenarioPath, "utf8"));

// --- memory --------------------------------------------------------------

const regions = []; // { start: bigint, bytes: Uint8Array }

function big(v) {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(v);
  if (typeof v === "string") return BigInt(v);
  throw new Error(`not an address: ${JSON.stringify(v)}`);
}

function regionAt(addr, n) {
  for (const r of regions) {
    const end = r.start + BigInt(r.bytes.length);
    if (addr >= r.start && addr + BigInt(n) <= end) return r;
  }
  return null;
}

function accessViolation(addr) {
  const e = new Error(`access violation accessing 0x${addr.toString(16)}`);
  e.type = "access-violation";
  return e;
}

function memRead(addr, n) {
  const r = regionAt(addr, n);
  if (r === null) throw accessViolation(addr);
  const off = Number(addr - r.start);
  return r.bytes.slice(off, off + n);
}

// A patch fills bytes of a region: "fill" seeds the pattern
// (seed + 7 * i) & 0xff over "size" bytes from "off"; "hex" puts bytes at
// "off"; "set" lists [offset, "u8"|"u16"|"u32"|"u64"|"hex", value].
function patchBytes(bytes, p) {
  const base = p.off ?? 0;
  if (p.fill !== undefined) {
    const n = p.size ?? bytes.length - base;
    for (let i = 0; i < n; i++) bytes[base + i] = (p.fill + 7 * i) & 0xff;
  }
  if (p.hex !== undefined) bytes.set(Buffer.from(p.hex, "hex"), base);
  for (const [off, kind, value] of p.set ?? []) {
    if (kind === "hex") {
      bytes.set(Buffer.from(value, "hex"), off);
      continue;
    }
    const size = { u8: 1, u16: 2, u32: 4, u64: 8 }[kind];
    if (size === undefined) throw new Error(`bad set kind ${kind}`);
    let v = big(value);
    for (let i = 0; i < size; i++, v >>= 8n) bytes[off + i] = Number(v & 0xffn);
  }
}

for (const r of scenario.memory) {
  const bytes = new Uint8Array(r.size);
  patchBytes(bytes, { ...r, off: 0 });
  regions.push({ start: big(r.addr), bytes });
}

function applyWrite(w) {
  const addr = big(w.addr);
  const r = regionAt(addr, 1);
  if (r === null) throw new Error(`scenario writes unmapped 0x${addr.toString(16)}`);
  const sub = r.bytes.subarray(Number(addr - r.start));
  patchBytes(sub, { ...w, off: 0 });
}

// --- the Frida API ---------------------------------------------------------

class NativePointer {
  constructor(v) {
    this.value = v instanceof NativePointer ? v.value : BigInt.asUintN(64, big(v));
  }
  add(n) {
    return new NativePointer(this.value + (n instanceof NativePointer ? n.value : big(n)));
  }
  isNull() {
    return this.value === 0n;
  }
  equals(o) {
    return this.value === new NativePointer(o).value;
  }
  toString(radix) {
    return radix === undefined || radix === 16 ? "0x" + this.value.toString(16) : this.value.toString(radix);
  }
  toJSON() {
    return this.toString();
  }
  toUInt32() {
    return Number(this.value & 0xffffffffn);
  }
  toInt32() {
    return Number(BigInt.asIntN(32, this.value));
  }
  readByteArray(n) {
    const b = memRead(this.value, n);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
  }
  readU8() {
    return memRead(this.value, 1)[0];
  }
  readU32() {
    return Number(this.#le(4));
  }
  readU64() {
    return this.#le(8); // Frida answers a UInt64; the agent does not use it
  }
  readPointer() {
    return new NativePointer(this.#le(8));
  }
  #le(n) {
    const b = memRead(this.value, n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }
}

const mods = new Map(); // lower-case name -> module
let nextExport = 0x1000;

function makeModule(spec) {
  const base = new NativePointer(spec.base);
  const exports = new Map();
  for (const name of spec.exports ?? []) {
    exports.set(name, base.add(nextExport));
    nextExport += 0x20;
  }
  return {
    name: spec.name,
    base,
    size: spec.size,
    path: spec.path,
    exportMap: exports,
    findExportByName(name) {
      return exports.get(name) ?? null;
    },
    getExportByName(name) {
      const a = exports.get(name);
      if (a === undefined) throw new Error(`unable to find export '${name}'`);
      return a;
    },
  };
}

const observers = [];
function loadModule(spec) {
  const m = makeModule(spec);
  mods.set(spec.name.toLowerCase(), m);
  for (const o of observers) o.onAdded?.(m);
}

for (const spec of scenario.modules) if (!spec.late) mods.set(spec.name.toLowerCase(), makeModule(spec));

let currentTid = scenario.main_tid ?? 1;
let currentStack = [];
const listeners = new Map(); // address string -> callbacks
const lines = [];

const Process = {
  id: scenario.pid,
  arch: scenario.arch ?? "x64",
  platform: scenario.platform ?? "windows",
  pointerSize: 8,
  get mainModule() {
    return [...mods.values()][0];
  },
  getCurrentThreadId: () => currentTid,
  enumerateModules: () => [...mods.values()],
  findModuleByName: (n) => mods.get(n.toLowerCase()) ?? null,
  getModuleByName(n) {
    const m = mods.get(n.toLowerCase());
    if (m === undefined) throw new Error(`unable to find module '${n}'`);
    return m;
  },
  attachModuleObserver(callbacks) {
    observers.push(callbacks);
    for (const m of [...mods.values()]) callbacks.onAdded?.(m);
    return { detach() {} };
  },
};

const Interceptor = {
  attach(target, callbacks) {
    if (!(target instanceof NativePointer)) throw new Error("Interceptor.attach: not a NativePointer");
    const key = target.toString();
    if (listeners.has(key)) throw new Error(`Interceptor.attach: ${key} already hooked`);
    listeners.set(key, callbacks);
    return { detach: () => listeners.delete(key) };
  },
  detachAll: () => listeners.clear(),
};

function send(message, data) {
  if (data !== undefined && data !== null) throw new Error("send: the agent sends no binary data");
  lines.push(JSON.stringify(message)); // throws on a BigInt, as Frida's send does
}

Object.assign(globalThis, {
  NativePointer,
  ptr: (v) => new NativePointer(v),
  Process,
  Interceptor,
  Thread: { backtrace: () => currentStack.map((a) => new NativePointer(a)) },
  Backtracer: { ACCURATE: "accurate", FUZZY: "fuzzy" },
  send,
  rpc: { exports: {} },
});

// --- the run -------------------------------------------------------------

await import(pathToFileURL(path.resolve(agentPath)).href);
const summary = globalThis.rpc.exports.init("early", scenario.params ?? {});
console.error(`agent: ${JSON.stringify(summary)}`);

function hookFor(call) {
  const m = mods.get((call.module ?? "gdi32.dll").toLowerCase());
  const addr = m?.findExportByName(call.function);
  if (!addr) throw new Error(`scenario: ${call.module}!${call.function} is not exported`);
  const cb = listeners.get(addr.toString());
  if (!cb) throw new Error(`the agent did not hook ${call.module ?? "gdi32.dll"}!${call.function}`);
  return cb;
}

const contexts = new Map();
for (const ev of scenario.events) {
  const [what, key] = ev.split(/:(.*)/s);
  if (what === "load") {
    loadModule(scenario.modules.find((m) => m.name === key));
    continue;
  }
  const call = scenario.calls[key];
  if (!call) throw new Error(`scenario: event ${ev} names no call`);
  currentTid = call.tid;
  currentStack = call.stack ?? [];
  const cb = hookFor(call);
  if (what === "enter") {
    const ctx = { threadId: call.tid, depth: 0, context: { pc: new NativePointer(0) }, returnAddress: new NativePointer(0) };
    contexts.set(key, ctx);
    cb.onEnter?.call(ctx, [new NativePointer(call.args)]);
  } else if (what === "leave") {
    for (const w of call.writes ?? []) applyWrite(w);
    cb.onLeave?.call(contexts.get(key), new NativePointer(big(call.status) & 0xffffffffn));
  } else {
    throw new Error(`scenario: bad event ${ev}`);
  }
}

const stats = globalThis.rpc.exports.stats?.();
console.error(`agent stats: ${JSON.stringify(stats)}`);
fs.writeFileSync(outPath, lines.map((l) => l + "\n").join(""));
if (stats && stats.errors) {
  console.error(`the agent counted ${stats.errors} internal errors`);
  process.exit(1);
}
