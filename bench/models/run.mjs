// Whole-model latency under WebAssembly in Node, single thread, in one run: pare (the page's
// package pkg/, SIMD128) against onnxruntime-web (wasm backend, 1 thread, SIMD), each on the
// float model and on the INT8 static QDQ model pare made (bench/models/prepare.py). pare runs
// the QDQ model's quantized layers on its integer kernels; onnxruntime-web fuses them into its
// own (QLinearConv…).
//
// Prints a table of median times, then one JSON line of ratios ("A vs B" = B's time / A's:
// above 1 means A is faster), geometric means over the real detectors (not the tiny MNIST CNN).
// Usage: node bench/models/run.mjs [REPEAT]   (from the repo root; see `make bench`)
import fs from 'node:fs';
import * as ort from 'onnxruntime-web';
import { initSync, Model } from '../../pkg/pare.js';

const REPEAT = Number(process.argv[2] ?? 5);
const manifest = JSON.parse(fs.readFileSync('target/bench-models/manifest.json', 'utf8'));
initSync({ module: fs.readFileSync('pkg/pare_bg.wasm') });
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

/** float32 C-order .npy → { shape, data }. */
function readNpy(file) {
  const buf = fs.readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${file}: float32 expected`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const start = 10 + headerLen;
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return { shape, data };
}

async function median(run) {
  await run(); // warm-up (and first-run allocations)
  const times = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function timePare(path, inputs) {
  const model = new Model(fs.readFileSync(path));
  const feeds = {};
  for (const [name, { shape, data }] of Object.entries(inputs)) feeds[name] = { dtype: 'float32', shape, data };
  const ms = await median(() => model.run(feeds));
  model.free();
  return ms;
}

async function timeOrt(path, inputs) {
  const session = await ort.InferenceSession.create(fs.readFileSync(path), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  for (const [name, { shape, data }] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', data, shape);
  const ms = await median(() => session.run(feeds));
  await session.release();
  return ms;
}

const rows = [];
for (const m of manifest) {
  const inputs = Object.fromEntries(Object.entries(m.inputs).map(([n, f]) => [n, readNpy(f)]));
  const row = { name: m.name };
  row.pare_f32 = await timePare(m.f32, inputs);
  row.pare_int8 = await timePare(m.int8, inputs);
  row.ort_f32 = await timeOrt(m.f32, inputs);
  row.ort_int8 = await timeOrt(m.int8, inputs);
  rows.push(row);
}

const fmt = (v) => v.toFixed(v < 10 ? 2 : 1).padStart(9);
console.log(`whole models, wasm in Node ${process.versions.node}, 1 thread, median of ${REPEAT} (ms)`);
console.log(`${'model'.padEnd(14)} ${'pare f32'.padStart(9)} ${'pare int8'.padStart(9)} ${'ortweb f32'.padStart(10)} ${'ortweb int8'.padStart(11)}  int8/f32 speed-up (pare, ortweb)`);
for (const r of rows) {
  console.log(`${r.name.padEnd(14)} ${fmt(r.pare_f32)} ${fmt(r.pare_int8)} ${fmt(r.ort_f32).padStart(10)} ${fmt(r.ort_int8).padStart(11)}  ${(r.pare_f32 / r.pare_int8).toFixed(2)}×, ${(r.ort_f32 / r.ort_int8).toFixed(2)}×`);
}
const real = rows.filter((r) => r.name !== 'mnist_cnn');
const geo = (f) => Math.exp(real.reduce((s, r) => s + Math.log(f(r)), 0) / real.length);
const ratios = {
  models: real.map((r) => r.name).join(','),
  model_f32_vs_ortweb: +geo((r) => r.ort_f32 / r.pare_f32).toFixed(3),
  model_int8_vs_ortweb: +geo((r) => r.ort_int8 / r.pare_int8).toFixed(3),
  model_int8_vs_model_f32: +geo((r) => r.pare_f32 / r.pare_int8).toFixed(3),
};
fs.mkdirSync('target/bench', { recursive: true });
fs.writeFileSync('target/bench/models.json', JSON.stringify(ratios));
console.log(JSON.stringify(ratios));
