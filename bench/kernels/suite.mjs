// The kernel benchmark's cases and ratios, shared by Node (run.mjs) and Chromium
// (bench/chromium): which build runs which kernel, the GEMM shapes, the timing loop and the
// ratios ("A vs B" is B's time divided by A's: above 1 means A is faster).

// Whether this engine's i32x4.relaxed_dot_i8x16_i7x16_add_s gives the spec's result: a hand-
// assembled module computes one dot product of known bytes. Node 20 (V8 11.3, behind
// --experimental-wasm-relaxed-simd) returns twice the dot product; Chromium 156 is right.
export function relaxedDotStatus() {
  try {
    const body = [0x00, 0x41, 0x30, 0x41, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x41, 0x10, 0xfd, 0x00, 0x00, 0x00,
      0x41, 0x20, 0xfd, 0x00, 0x00, 0x00, 0xfd, 0x93, 0x02, 0xfd, 0x0b, 0x00, 0x00, 0x0b];
    const code = [0x01, body.length, ...body];
    const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1,
      7, 9, 2, 1, 0x66, 0, 0, 1, 0x6d, 2, 0, 10, code.length, ...code]);
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const mem = new Int8Array(exports.m.buffer);
    const a = [-1, -2, 3, 4, -128, 127, 5, -6, 1, 1, 1, 1, 0, 0, 0, 0];
    const b = [1, 2, 3, 4, 100, 100, 127, 0, 10, 20, 30, 40, 7, 7, 7, 7];
    mem.set(a, 0);
    mem.set(b, 16);
    mem.set([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0], 32);
    exports.f();
    const got = Array.from(new Int32Array(exports.m.buffer, 48, 4));
    const want = [0, 1, 2, 3].map((l) => l + 1 + [0, 1, 2, 3].reduce((s, u) => s + a[4 * l + u] * b[4 * l + u], 0));
    return got.every((v, i) => v === want[i]) ? 'correct' : `WRONG (got ${got}, spec ${want})`;
  } catch (e) {
    return `unavailable (${String(e.message).split('\n')[0]})`;
  }
}

// [label, build, kernel]: which build runs which kernel.
export const KERNELS = [
  ['f32 scalar (no SIMD build)', 'scalar', 'f32_scalar'],
  ['f32 scalar kernel, simd128 build (auto-vectorized)', 'simd', 'f32_scalar'],
  ['f32 SIMD128', 'simd', 'f32_simd'],
  ['f32 relaxed_madd', 'relaxed', 'f32_relaxed'],
  ['f32 SIMD128, A packed once (the runtime\'s Conv)', 'simd', 'f32_prepacked'],
  ['int8 reference gemm_integer, simd128 build', 'simd', 'i8_scalar_reference'],
  ['int8 SIMD128 dot_i16x8', 'simd', 'i8_simd'],
  ['int8 relaxed dot_i8x16_i7x16_add', 'relaxed', 'i8_relaxed'],
  ['binary scalar (u64 popcount), no SIMD build', 'scalar', 'binary_scalar'],
  ['binary SIMD128 xor+popcnt', 'simd', 'binary_simd'],
  // Issue 13 item 4 (src/weight_codes): float activations × ternary or pow2 weight codes without
  // multiplies, as first measured (pow2 still runs dequantized on the f32 GEMM). Three are rejected
  // (slower than f32); ternary row-add is faster under wasm (now pare's kernels::gemm_ternary).
  ['rejected: ternary sign-select 6x8 SIMD128', 'simd', 'ternary_signsel_simd'],
  ['rejected: pow2 exponent-add 6x8 SIMD128', 'simd', 'pow2_expadd_simd'],
  ['candidate: ternary row-add (zeros skipped) SIMD128', 'simd', 'ternary_rowadd_simd'],
  ['rejected: pow2 row-add + doubling SIMD128', 'simd', 'pow2_rowadd_simd'],
];

export const SHAPES = [
  [64, 64, 64],
  [256, 256, 256],
  [1024, 1024, 1024],
  [64, 3136, 576], // ResNet-style 3×3 conv, 64 channels at 56×56 (im2col: K = 64·9)
  [256, 196, 2304], // 3×3 conv, 256 channels at 14×14
];

/**
 * Times every kernel on every shape and returns the ratios.
 * builds: { scalar, simd, relaxed } wasm-bindgen modules (null when not loadable);
 * seconds(): a clock in seconds (CPU time in Node, wall-clock in a browser);
 * minSeconds: how long each case runs at least; log(line): where the table goes;
 * models: optional [{ name, bytes }] of float ONNX models for the whole-model ternary ratio
 * (the MNIST CNN is always measured).
 */
export function runKernelSuite({ builds, seconds, minSeconds, log, models = [] }) {
  // The weight-code candidates' SIMD128 twins must equal their scalar twins before they are timed.
  for (const [name, mod] of Object.entries(builds)) {
    const check = mod?.check_weight_code_twins?.();
    if (check !== undefined && !check.startsWith('ok')) throw new Error(`${name} build, weight-code twins: ${check}`);
  }
  const measure = (build, kernel, [m, n, k]) => {
    const mod = builds[build];
    if (!mod || !mod.available().split(',').includes(kernel)) return null;
    const c = new mod.Case(kernel, m, n, k);
    if (!c.run()) throw new Error(`${kernel} failed on ${m}x${n}x${k}`);
    let reps = 0;
    const start = seconds();
    let elapsed = 0;
    do {
      c.run();
      reps += 1;
      elapsed = seconds() - start;
    } while (elapsed < minSeconds || reps < 2);
    c.free();
    return elapsed / reps;
  };
  const pad = (s, w) => String(s).padEnd(w);
  const times = {}; // kernel@build -> shape key -> seconds
  log(pad('kernel', 52) + SHAPES.map((s) => pad(s.join('x'), 14)).join('') + '(GMAC/s)');
  for (const [label, build, kernel] of KERNELS) {
    times[kernel + '@' + build] = {};
    const cells = SHAPES.map((shape) => {
      const t = measure(build, kernel, shape);
      times[kernel + '@' + build][shape.join('x')] = t;
      if (t === null) return pad('n/a', 14);
      const macs = shape[0] * shape[1] * shape[2];
      return pad((macs / t / 1e9).toFixed(2), 14);
    });
    log(pad(label, 52) + cells.join(''));
  }
  // Ratios: geometric mean over the compute-bound shapes (all but 64³), per-shape values logged.
  const computeBound = SHAPES.filter(([m, n, k]) => m * n * k > 64 ** 3).map((s) => s.join('x'));
  const ratio = (fast, slow) => {
    // A build that did not load leaves null times (null / x would read as 0).
    if (computeBound.some((s) => !times[slow][s] || !times[fast][s])) return null;
    const values = computeBound.map((s) => times[slow][s] / times[fast][s]);
    if (values.some((v) => !Number.isFinite(v))) return null;
    log(`${pad(`${fast} vs ${slow}`, 52)}${values.map((v) => pad(v.toFixed(2) + 'x', 14)).join('')}`);
    return Number(Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length).toFixed(3));
  };
  log(`\nratios (B's time / A's time) on ${computeBound.join(', ')}:`);
  const ratios = {
    f32_simd_vs_scalar: ratio('f32_simd@simd', 'f32_scalar@scalar'),
    f32_simd_vs_autovectorized_scalar: ratio('f32_simd@simd', 'f32_scalar@simd'),
    f32_relaxed_vs_autovectorized_scalar: ratio('f32_relaxed@relaxed', 'f32_scalar@simd'),
    int8_vs_f32: ratio('i8_simd@simd', 'f32_simd@simd'),
    int8_relaxed_vs_f32: ratio('i8_relaxed@relaxed', 'f32_simd@simd'),
    binary_vs_f32: ratio('binary_simd@simd', 'f32_simd@simd'),
    // Against the f32 GEMM as the runtime runs Conv (weights packed once); above 1 would win.
    int8_vs_f32_prepacked: ratio('i8_simd@simd', 'f32_prepacked@simd'),
    ternary_signsel_vs_f32_prepacked: ratio('ternary_signsel_simd@simd', 'f32_prepacked@simd'),
    pow2_expadd_vs_f32_prepacked: ratio('pow2_expadd_simd@simd', 'f32_prepacked@simd'),
    ternary_rowadd_vs_f32_prepacked: ratio('ternary_rowadd_simd@simd', 'f32_prepacked@simd'),
    pow2_rowadd_vs_f32_prepacked: ratio('pow2_rowadd_simd@simd', 'f32_prepacked@simd'),
    // Whole models compressed with --quantize ternary: pare's session on the row-add ternary
    // kernel (TernaryConv/TernaryGemm, a wasm session's default) vs the same model on the f32
    // path; geometric mean over the models measured (above 1: the ternary kernel is faster).
    model_ternary_rowadd_vs_f32: null,
  };
  ratios.model_ternary_rowadd_vs_f32 = ternaryModelRatio({ mod: builds.simd, seconds, minSeconds, log, models });
  return ratios;
}

/**
 * Whole models with ternary weights (issue 13 item 4, src/ternary_models.rs), in the SIMD128
 * build: each float model compressed as `--quantize ternary` does, then two sessions — the
 * row-add ternary kernel and the f32 path — timed in alternating rounds (the same machine noise
 * for both). Returns the geometric mean of f32 time / ternary time, or null without the build.
 */
function ternaryModelRatio({ mod, seconds, minSeconds, log, models }) {
  if (!mod?.ModelRun) return null;
  const list = [{ name: 'mnist_cnn', bytes: mod.mnist_cnn_onnx() }, ...models];
  log(`\nwhole models, --quantize ternary, SIMD128 build (ms per run; rowadd = TernaryConv/TernaryGemm):`);
  const ratios = [];
  for (const { name, bytes } of list) {
    const ternary = mod.compress_ternary(bytes);
    const runs = [new mod.ModelRun(ternary, true), new mod.ModelRun(ternary, false)];
    const layers = runs[0].ternary_layers();
    if (layers === 0 || runs[1].ternary_layers() !== 0) throw new Error(`${name}: ${layers} ternary layers, f32 path ${runs[1].ternary_layers()}`);
    const sums = runs.map((r) => r.run());
    const spent = [0, 0];
    const reps = [0, 0];
    for (let round = 0; round < 4; round++) {
      runs.forEach((r, i) => {
        const start = seconds();
        do {
          r.run();
          reps[i] += 1;
        } while (seconds() - start < minSeconds / 2 || reps[i] < 2 * (round + 1));
        spent[i] += seconds() - start;
      });
    }
    runs.forEach((r) => r.free());
    const [rowadd, f32] = spent.map((s, i) => (1000 * s) / reps[i]);
    log(`${name.padEnd(24)} rowadd ${rowadd.toFixed(2).padStart(8)}  f32 ${f32.toFixed(2).padStart(8)}  f32/rowadd ${(f32 / rowadd).toFixed(2)}x  (${layers} ternary layers; output sums ${sums[0].toPrecision(6)} vs ${sums[1].toPrecision(6)})`);
    ratios.push(f32 / rowadd);
  }
  return Number(Math.exp(ratios.reduce((a, v) => a + Math.log(v), 0) / ratios.length).toFixed(3));
}
