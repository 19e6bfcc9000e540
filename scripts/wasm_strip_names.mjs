#!/usr/bin/env node
// Drops the "name" custom section (function names for stack traces and profilers) from .wasm
// files in place; every other section is kept byte for byte. Run by scripts/build_pkg.sh on the
// two shipped builds: in pare's wasm the section is 343 kB raw, 94 kB with gzip -9, of a file a
// page downloads before anything happens (docs/wasm_size.md). wasm-bindgen keeps it and rustc's
// `strip` would drop it from every wasm build, tests included, whose panics and profiles want it.
// PARE_WASM_NAMES=1 scripts/build_pkg.sh keeps the names (to profile the package).
//
//   node scripts/wasm_strip_names.mjs FILE.wasm…
import fs from "node:fs";

/** [value, next offset] of the unsigned LEB128 at `offset`. */
function leb128(bytes, offset) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, offset];
  }
}

/** `bytes` without its custom sections named `name`, and how many bytes that removed. */
export function stripCustomSection(bytes, name) {
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) throw new Error("not a wasm module");
  const kept = [bytes.subarray(0, 8)];
  let offset = 8;
  while (offset < bytes.length) {
    const start = offset;
    const id = bytes[offset++];
    const [size, contents] = leb128(bytes, offset);
    const end = contents + size;
    if (end > bytes.length) throw new Error(`section at byte ${start} runs past the end of the file`);
    let drop = false;
    if (id === 0) {
      const [nameLength, nameStart] = leb128(bytes, contents);
      drop = new TextDecoder().decode(bytes.subarray(nameStart, nameStart + nameLength)) === name;
    }
    if (!drop) kept.push(bytes.subarray(start, end));
    offset = end;
  }
  const out = Buffer.concat(kept);
  return [out, bytes.length - out.length];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) {
    const [out, removed] = stripCustomSection(fs.readFileSync(file), "name");
    fs.writeFileSync(file, out);
    console.log(`wasm_strip_names: ${file}: ${out.length} bytes (${removed} bytes of names removed)`);
  }
}
