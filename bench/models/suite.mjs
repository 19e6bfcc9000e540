// The whole-model benchmark, shared by Node (run.mjs) and Chromium (bench/chromium): pare
// (the page's package, SIMD128) against onnxruntime-web (wasm backend, 1 thread, SIMD), each on
// the float model and on the INT8 static QDQ model pare made (prepare.py). pare runs the QDQ
// model's quantized layers on its integer kernels; onnxruntime-web fuses them into its own.
// Ratios are geometric means over the real detectors (not the tiny MNIST CNN); "A vs B" = B's
// time / A's: above 1 means A is faster.

/** float32 C-order .npy bytes → { shape, data }. */
export function parseNpy(bytes, name) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint16(8, true);
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + headerLen));
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${name}: float32 expected`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const start = 10 + headerLen;
  const data = new Float32Array(bytes.slice(start).buffer);
  return { shape, data };
}

/**
 * ort: onnxruntime-web's module; Model: pare's class; manifest: target/bench-models/manifest.json;
 * readBytes(path) → Promise<Uint8Array>; repeat: timed runs per case (median); log(line).
 */
export async function runModelSuite({ ort, Model, manifest, readBytes, repeat, log, where }) {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const median = async (run) => {
    await run(); // warm-up (and first-run allocations)
    const times = [];
    for (let i = 0; i < repeat; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  const timePare = async (bytes, inputs) => {
    const model = new Model(bytes);
    const feeds = {};
    for (const [name, { shape, data }] of Object.entries(inputs)) feeds[name] = { dtype: 'float32', shape, data };
    const ms = await median(() => model.run(feeds));
    model.free();
    return ms;
  };
  const timeOrt = async (bytes, inputs) => {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = {};
    for (const [name, { shape, data }] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', data, shape);
    const ms = await median(() => session.run(feeds));
    await session.release();
    return ms;
  };
  const rows = [];
  for (const m of manifest) {
    const inputs = {};
    for (const [n, f] of Object.entries(m.inputs)) inputs[n] = parseNpy(await readBytes(f), f);
    const [f32, int8] = [await readBytes(m.f32), await readBytes(m.int8)];
    const row = { name: m.name };
    row.pare_f32 = await timePare(f32, inputs);
    row.pare_int8 = await timePare(int8, inputs);
    row.ort_f32 = await timeOrt(f32, inputs);
    row.ort_int8 = await timeOrt(int8, inputs);
    rows.push(row);
  }
  const fmt = (v) => v.toFixed(v < 10 ? 2 : 1).padStart(9);
  log(`whole models, wasm in ${where}, 1 thread, median of ${repeat} (ms)`);
  log(`${'model'.padEnd(14)} ${'pare f32'.padStart(9)} ${'pare int8'.padStart(9)} ${'ortweb f32'.padStart(10)} ${'ortweb int8'.padStart(11)}  int8/f32 speed-up (pare, ortweb)`);
  for (const r of rows) {
    log(`${r.name.padEnd(14)} ${fmt(r.pare_f32)} ${fmt(r.pare_int8)} ${fmt(r.ort_f32).padStart(10)} ${fmt(r.ort_int8).padStart(11)}  ${(r.pare_f32 / r.pare_int8).toFixed(2)}×, ${(r.ort_f32 / r.ort_int8).toFixed(2)}×`);
  }
  const real = rows.filter((r) => r.name !== 'mnist_cnn');
  const geo = (f) => Math.exp(real.reduce((s, r) => s + Math.log(f(r)), 0) / real.length);
  return {
    models: real.map((r) => r.name).join(','),
    model_f32_vs_ortweb: +geo((r) => r.ort_f32 / r.pare_f32).toFixed(3),
    model_int8_vs_ortweb: +geo((r) => r.ort_int8 / r.pare_int8).toFixed(3),
    model_int8_vs_model_f32: +geo((r) => r.pare_f32 / r.pare_int8).toFixed(3),
  };
}
