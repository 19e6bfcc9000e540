// The last line of `make bench`: the ratios of the kernel benchmark (bench/kernels) and of the
// whole-model benchmark (bench/models) in Node, and of both in Chromium (bench/chromium, keys
// prefixed `chromium_`), merged into one JSON object ("A vs B" = B's time / A's
// time: above 1 means A is faster). Reads target/bench/{kernels,models,chromium}.json.
import fs from 'node:fs';

const merged = {};
for (const part of ['kernels', 'models', 'chromium']) {
  const file = `target/bench/${part}.json`;
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run the ${part} benchmark first`);
  Object.assign(merged, JSON.parse(fs.readFileSync(file, 'utf8')));
}
console.log(JSON.stringify(merged));
