// The last line of `make bench`: the ratios of the kernel benchmark (bench/kernels) and of the
// whole-model benchmark (bench/models) in Node, and of both in Chromium (bench/chromium, keys
// prefixed `chromium_`), merged into one JSON object ("A vs B" = B's time / A's
// time: above 1 means A is faster), with the wasm builds' sizes (scripts/wasm_size.mjs:
// wasm_bytes, wasm_gzip_bytes, wasm_relaxed_bytes, wasm_relaxed_gzip_bytes). Reads
// target/bench/{kernels,models,chromium,wasm_size}.json.
import fs from 'node:fs';

const merged = {};
for (const part of ['kernels', 'models', 'chromium', 'wasm_size']) {
  const file = `target/bench/${part}.json`;
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run the ${part} benchmark first`);
  Object.assign(merged, JSON.parse(fs.readFileSync(file, 'utf8')));
}
console.log(JSON.stringify(merged));
