// Times pare's GEMM kernels under WebAssembly in Node, single thread (see bench/kernels/run.sh,
// which builds the three wasm packages this loads; bench/chromium runs the same suite in
// Chromium). Prints a GMAC/s table and, last, one JSON line of ratios; "A vs B" is B's time
// divided by A's (above 1: A is faster).
//
// Time is the process's CPU time (process.cpuUsage, user + system), not wall-clock: the machine
// is shared, and CPU time is what the kernel used. Each case runs until it has used MIN_SECONDS.
import fs from 'node:fs';
import { relaxedDotStatus, runKernelSuite } from './suite.mjs';

const here = new URL('.', import.meta.url).pathname;
const MIN_SECONDS = Number(process.env.BENCH_MIN_SECONDS ?? 0.4);

/** A --target web package, instantiated from its file (Node's fetch cannot read file: URLs). */
async function load(dir) {
  try {
    const mod = await import(`${here}${dir}/pare_kernel_bench.js`);
    mod.initSync({ module: fs.readFileSync(`${here}${dir}/pare_kernel_bench_bg.wasm`) });
    return mod;
  } catch (e) {
    console.log(`(${dir}: not loadable here: ${String(e.message).split('\n')[0]})`);
    return null;
  }
}

console.log(`relaxed dot-add in this engine: ${relaxedDotStatus()}`);
const builds = { scalar: await load('pkg-scalar'), simd: await load('pkg-simd'), relaxed: await load('pkg-relaxed') };
const seconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
console.log(`pare kernel benchmark: Node ${process.version}, single thread, CPU time, >= ${MIN_SECONDS}s per case`);
// More float models for the whole-model ternary ratio (the MNIST CNN is always measured):
// BENCH_TERNARY_MODELS=a.onnx,b.onnx (paths from bench/kernels or absolute).
const models = (process.env.BENCH_TERNARY_MODELS ?? '').split(',').filter(Boolean)
  .map((path) => ({ name: path.split('/').pop().replace(/\.onnx$/, ''), bytes: new Uint8Array(fs.readFileSync(path)) }));
const result = runKernelSuite({ builds, seconds, minSeconds: MIN_SECONDS, log: console.log, models });
fs.mkdirSync('../../target/bench', { recursive: true });
fs.writeFileSync('../../target/bench/kernels.json', JSON.stringify(result));
console.log(JSON.stringify(result));
