// SPDX-License-Identifier: MIT
//
// Reading the captured process's memory and encoding it for the JSON Lines
// format: bytes as hexadecimal, fields of an argument image as unsigned
// little-endian integers. Nothing here throws for memory that cannot be
// read; it answers null.

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i < 16 ? "0" : "") + i.toString(16));

// Lowercase hexadecimal, two digits per byte.
export function hexOf(bytes: Uint8Array): string {
  const chunks: string[] = [];
  const step = 1 << 16;
  for (let off = 0; off < bytes.length; off += step) {
    const end = Math.min(off + step, bytes.length);
    const parts = new Array<string>(end - off);
    for (let i = off; i < end; i++) parts[i - off] = HEX[bytes[i]];
    chunks.push(parts.join(""));
  }
  return chunks.join("");
}

// An NTSTATUS as docs/frida.md shows it: "0xC0000023".
export function hexU32(v: number): string {
  return "0x" + (v >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

// The unsigned little-endian field of size bytes at off, or null when it
// lies outside the image.
export function uintField(img: Uint8Array, off: number, size: number): bigint | null {
  if (off < 0 || size <= 0 || off + size > img.length) return null;
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(img[off + i]);
  return v;
}

// n bytes at addr, or null when any of them cannot be read (a null or
// non-canonical pointer, an unmapped or protected page).
export function readBytes(addr: bigint, n: number): Uint8Array | null {
  if (addr === 0n || addr > 0x7fffffffffffn) return null;
  if (n === 0) return new Uint8Array(0);
  try {
    const ab = ptr("0x" + addr.toString(16)).readByteArray(n);
    return ab === null ? null : new Uint8Array(ab);
  } catch {
    return null;
  }
}
