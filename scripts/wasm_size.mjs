#!/usr/bin/env node
// What a .wasm file is made of: its size raw and with gzip -9 (GNU gzip, as the README and
// docs/wasm_size.md count), per section (code, data, names, the rest), and, when the module
// still has its "name" section (cargo's output, or PARE_WASM_NAMES=1 scripts/build_pkg.sh), its
// functions' code grouped by module path (`--groups`) or the largest ones (`--top N`).
//
//   node scripts/wasm_size.mjs [--groups] [--top N] [--json OUT.json] FILE.wasm…
//
// `--json` writes the first file's sizes as `wasm_bytes`/`wasm_gzip_bytes` and the second's as
// `wasm_relaxed_bytes`/`wasm_relaxed_gzip_bytes` (make bench: pkg/pare_bg.wasm, then
// pkg/pare_relaxed_bg.wasm; bench/summary.mjs merges them into its last line).
import { demangle } from './wasm_demangle.mjs';
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";

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

const gzipSize = (bytes) => execFileSync("gzip", ["-9", "-c"], { input: bytes, maxBuffer: 1 << 30 }).length;

/** The module's sections: {id, name (custom ones), start, contents, end}. */
function sections(bytes) {
  const out = [];
  let offset = 8;
  while (offset < bytes.length) {
    const start = offset;
    const id = bytes[offset++];
    const [size, contents] = leb128(bytes, offset);
    let name = null;
    if (id === 0) {
      const [length, nameStart] = leb128(bytes, contents);
      name = new TextDecoder().decode(bytes.subarray(nameStart, nameStart + length));
    }
    out.push({ id, name, start, contents, end: contents + size });
    offset = contents + size;
  }
  return out;
}

/** Each defined function's body size by index (imports first, as the name section counts). */
function bodySizes(bytes, all) {
  let imported = 0;
  const imports = all.find((s) => s.id === 2);
  if (imports) {
    let [count, p] = leb128(bytes, imports.contents);
    for (let i = 0; i < count; i++) {
      let len;
      [len, p] = leb128(bytes, p);
      p += len;
      [len, p] = leb128(bytes, p);
      p += len;
      const kind = bytes[p++];
      if (kind === 0) {
        [, p] = leb128(bytes, p);
        imported++;
      } else if (kind === 1) {
        p++;
        const flags = bytes[p++];
        [, p] = leb128(bytes, p);
        if (flags & 1) [, p] = leb128(bytes, p);
      } else if (kind === 2) {
        const flags = bytes[p++];
        [, p] = leb128(bytes, p);
        if (flags & 1) [, p] = leb128(bytes, p);
      } else if (kind === 3) {
        p += 2;
      } else if (kind === 4) {
        p++;
        [, p] = leb128(bytes, p);
      } else throw new Error(`import kind ${kind}`);
    }
  }
  const code = all.find((s) => s.id === 10);
  const sizes = new Map();
  let [count, p] = leb128(bytes, code.contents);
  for (let i = 0; i < count; i++) {
    const [size, body] = leb128(bytes, p);
    sizes.set(imported + i, body + size - p);
    p = body + size;
  }
  return sizes;
}

/** Function names by index from the "name" section (subsection 1). */
function functionNames(bytes, section) {
  const names = new Map();
  let [, p] = leb128(bytes, section.contents);
  p += "name".length;
  while (p < section.end) {
    const kind = bytes[p++];
    const [size, contents] = leb128(bytes, p);
    if (kind === 1) {
      let [count, q] = leb128(bytes, contents);
      for (let i = 0; i < count; i++) {
        let index, length;
        [index, q] = leb128(bytes, q);
        [length, q] = leb128(bytes, q);
        names.set(index, new TextDecoder().decode(bytes.subarray(q, q + length)));
        q += length;
      }
    }
    p = contents + size;
  }
  return names;
}

export { demangle };

/** The group of a demangled name: `pare::ops::elementwise` (pare, two levels), or the crate. */
function group(name) {
  const path = name.replace(/^_?</, "").replace(/^(impl|dyn) /, "");
  const parts = path.split(/::|[ <>,]/).filter(Boolean);
  if (parts[0] === "pare" || parts[0] === "pare_kernels") return parts.slice(0, parts[0] === "pare" ? 3 : 2).join("::");
  return parts[0] ?? name;
}

const args = process.argv.slice(2);
let top = 0;
let groups = false;
let jsonOut = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--top") top = Number(args[++i]);
  else if (args[i] === "--groups") groups = true;
  else if (args[i] === "--json") jsonOut = args[++i];
  else files.push(args[i]);
}
if (!files.length) {
  console.error("usage: node scripts/wasm_size.mjs [--groups] [--top N] [--json OUT.json] FILE.wasm…");
  process.exit(2);
}

const summary = [];
for (const file of files) {
  const bytes = fs.readFileSync(file);
  const all = sections(bytes);
  const total = { raw: bytes.length, gzip: gzipSize(bytes) };
  summary.push(total);
  console.log(`${file}: ${total.raw} bytes, ${total.gzip} with gzip -9`);
  const part = (label, pick) => {
    const chunks = all.filter(pick).map((s) => bytes.subarray(s.start, s.end));
    if (!chunks.length) return;
    const joined = Buffer.concat(chunks);
    console.log(`  ${label.padEnd(8)} ${String(joined.length).padStart(10)} raw ${String(gzipSize(joined)).padStart(10)} gzip -9`);
  };
  part("code", (s) => s.id === 10);
  part("data", (s) => s.id === 11);
  part("names", (s) => s.name === "name");
  part("other", (s) => s.id !== 10 && s.id !== 11 && s.name !== "name");
  const nameSection = all.find((s) => s.name === "name");
  if (!(top || groups)) continue;
  if (!nameSection) {
    console.log("  (no name section: no per-function sizes)");
    continue;
  }
  const names = functionNames(bytes, nameSection);
  const functions = [...bodySizes(bytes, all)].map(([index, size]) => ({ name: demangle(names.get(index) ?? `#${index}`), size }));
  functions.sort((a, b) => b.size - a.size);
  if (groups) {
    const byGroup = new Map();
    for (const f of functions) {
      const g = group(f.name);
      const entry = byGroup.get(g) ?? { size: 0, count: 0 };
      entry.size += f.size;
      entry.count++;
      byGroup.set(g, entry);
    }
    const code = functions.reduce((sum, f) => sum + f.size, 0);
    console.log("  group                                      bytes   share  functions");
    for (const [g, { size, count }] of [...byGroup].sort((a, b) => b[1].size - a[1].size).slice(0, 40)) {
      console.log(`  ${g.padEnd(38)} ${String(size).padStart(10)} ${((100 * size) / code).toFixed(1).padStart(6)} % ${String(count).padStart(6)}`);
    }
  }
  for (const f of functions.slice(0, top)) console.log(`  ${String(f.size).padStart(9)}  ${f.name}`);
}
if (jsonOut) {
  const keys = ["wasm", "wasm_relaxed"];
  const json = {};
  summary.slice(0, 2).forEach((s, i) => {
    json[`${keys[i]}_bytes`] = s.raw;
    json[`${keys[i]}_gzip_bytes`] = s.gzip;
  });
  fs.mkdirSync(path.dirname(jsonOut), { recursive: true });
  fs.writeFileSync(jsonOut, JSON.stringify(json));
  console.log(JSON.stringify(json));
}
