// pare alone on the whole-model benchmark's models (target/bench-models, bench/models/prepare.py),
// for comparing two wasm builds of pare (docs/wasm_size.md): one process per build, run them
// alternately. Prints one line of median times (ms) per model, f32 and INT8.
// Usage: node bench/models/pare_only.mjs WASM GLUE [REPEAT]   (GLUE: the build's pare.js,
// a path from the current directory; run from the repo root)
import fs from 'node:fs';
import path from 'node:path';
import { parseNpy } from './suite.mjs';

const [wasm, glue, repeat = 5] = process.argv.slice(2);
if (!wasm || !glue) {
  console.error('usage: node bench/models/pare_only.mjs WASM GLUE [REPEAT]');
  process.exit(2);
}
const { initSync, Model } = await import(path.resolve(glue));
initSync({ module: fs.readFileSync(wasm) });
const manifest = JSON.parse(fs.readFileSync('target/bench-models/manifest.json', 'utf8'));
const out = [];
for (const m of manifest) {
  if (m.name === 'mnist_cnn') continue;
  const inputs = {};
  for (const [n, f] of Object.entries(m.inputs)) {
    const { shape, data } = parseNpy(new Uint8Array(fs.readFileSync(f)), f);
    inputs[n] = { dtype: 'float32', shape, data };
  }
  for (const kind of ['f32', 'int8']) {
    const model = new Model(new Uint8Array(fs.readFileSync(m[kind])));
    model.run(inputs); // warm-up
    const times = [];
    for (let i = 0; i < Number(repeat); i++) {
      const t = performance.now();
      model.run(inputs);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    out.push(`${m.name} ${kind} ${times[Math.floor(times.length / 2)].toFixed(1)}`);
    model.free();
  }
}
console.log(`${wasm}: ${out.join(' | ')}`);
