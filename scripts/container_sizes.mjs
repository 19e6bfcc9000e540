#!/usr/bin/env node
// Sizes of the .pare container against gzip and brotli of the plain ONNX file (docs/container.md):
// for each model, the float file and `pare compress --quantize int8-weights` of it (and pruned +
// INT8 where asked): ONNX bytes, gzip (zlib level 9, what gzip -9 writes less its header),
// brotli (quality 11, window 24) and `pare pack`; every container is decoded back
// (`pare decode`) and compared byte for byte. Prints a Markdown table.
//
//   node scripts/container_sizes.mjs [--pare target/release/pare] [--models DIR] [--prune NAME]... [NAME.onnx|PATH]...
//
// NAME.onnx is looked up in DIR (default: $PARE_CORPUS_CACHE/models, else .cache/corpus/models,
// the corpus cache of scripts/corpus/fetch.py); `mnist_cnn` is the repo's fixture.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
let pare = ["target/release/pare", "target/debug/pare"].map((p) => path.join(root, p)).filter((p) => fs.existsSync(p))
  .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
let models = path.join(process.env.PARE_CORPUS_CACHE ?? path.join(root, ".cache/corpus"), "models");
const prune = new Set();
const names = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--pare") pare = args[++i];
  else if (args[i] === "--models") models = args[++i];
  else if (args[i] === "--prune") prune.add(args[++i]);
  else names.push(args[i]);
}
if (!pare) throw new Error("no pare binary: cargo build --release --bin pare, or --pare PATH");
if (names.length === 0) names.push("mnist_cnn");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pare-container-sizes-"));
const run = (...a) => execFileSync(pare, a, { stdio: ["ignore", "pipe", "pipe"] }).toString();
const gzip = (b) => zlib.gzipSync(b, { level: 9 }).length;
const brotli = (b) => zlib.brotliCompressSync(b, {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length },
}).length;

function source(name) {
  if (name === "mnist_cnn") return path.join(root, "tests/fixtures/mnist_cnn/model.onnx");
  return fs.existsSync(name) ? name : path.join(models, name.endsWith(".onnx") ? name : `${name}.onnx`);
}

const rows = [];
function measure(label, file) {
  const onnx = fs.readFileSync(file);
  const packed = path.join(dir, `${rows.length}.pare`);
  const decoded = path.join(dir, `${rows.length}.onnx`);
  run("pack", file, packed);
  run("decode", packed, decoded);
  if (!fs.readFileSync(decoded).equals(onnx)) throw new Error(`${label}: the decoded file differs`);
  const container = fs.statSync(packed).size;
  const row = { label, onnx: onnx.length, gzip: gzip(onnx), brotli: brotli(onnx), pare: container };
  rows.push(row);
  console.error(`${label}: ${JSON.stringify(row)}`);
}

for (const name of names) {
  const file = source(name);
  const base = path.basename(file, ".onnx") === "model" ? name : path.basename(file, ".onnx");
  measure(`${base} (float)`, file);
  const int8 = path.join(dir, `${base}.int8.onnx`);
  run("compress", file, "-o", int8, "--quantize", "int8-weights", "--no-compare");
  measure(`${base} int8-weights`, int8);
  if (prune.has(name)) {
    const pruned = path.join(dir, `${base}.pruned.onnx`);
    run("compress", file, "-o", pruned, "--prune", "unstructured:0.5", "--quantize", "int8-weights", "--no-compare");
    measure(`${base} unstructured:0.5 + int8-weights`, pruned);
  }
}

const n = (v) => v.toLocaleString("en-US");
const pct = (a, b) => `${a < b ? "−" : "+"}${Math.abs(100 * (a / b - 1)).toFixed(1)} %`;
console.log("| model | ONNX bytes | gzip -9 | brotli -11 | .pare | ONNX ÷ .pare | .pare vs brotli |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(`| ${r.label} | ${n(r.onnx)} | ${n(r.gzip)} | ${n(r.brotli)} | ${n(r.pare)} | ${(r.onnx / r.pare).toFixed(2)}× | ${pct(r.pare, r.brotli)} |`);
}
fs.rmSync(dir, { recursive: true, force: true });
