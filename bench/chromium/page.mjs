// Runs the kernel suite and the whole-model suite in this browser tab, single thread,
// wall-clock (performance.now). The log goes to the page and to window.benchLog; the ratios to
// window.benchResult (or window.benchError). Served by run.mjs from the repo root.
import { relaxedDotStatus, runKernelSuite } from '/bench/kernels/suite.mjs';
import { runModelSuite } from '/bench/models/suite.mjs';
import * as ort from '/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';
import initPare, { Model } from '/pkg/pare.js';

const params = new URLSearchParams(location.search);
const lines = (window.benchLog = []);
const log = (line) => {
  lines.push(line);
  document.getElementById('log').textContent += line + '\n';
};

async function loadKernelBuild(dir) {
  try {
    const mod = await import(`/bench/kernels/${dir}/pare_kernel_bench.js`);
    await mod.default({ module_or_path: `/bench/kernels/${dir}/pare_kernel_bench_bg.wasm` });
    return mod;
  } catch (e) {
    log(`(${dir}: not loadable here: ${String(e.message).split('\n')[0]})`);
    return null;
  }
}

try {
  const where = navigator.userAgent.match(/(Headless)?Chrom(e|ium)\/[\d.]+/)?.[0] ?? navigator.userAgent;
  log(`relaxed dot-add in this engine: ${relaxedDotStatus()}`);
  const builds = { scalar: await loadKernelBuild('pkg-scalar'), simd: await loadKernelBuild('pkg-simd'), relaxed: await loadKernelBuild('pkg-relaxed') };
  const minSeconds = Number(params.get('min_seconds') ?? 0.4);
  log(`pare kernel benchmark: ${where}, single thread, wall-clock, >= ${minSeconds}s per case`);
  const kernels = runKernelSuite({ builds, seconds: () => performance.now() / 1000, minSeconds, log });
  log(JSON.stringify(kernels));

  await initPare({ module_or_path: '/pkg/pare_bg.wasm' });
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  const manifest = await (await fetch('/manifest.json')).json();
  const readBytes = async (path) => {
    const response = await fetch(`/file?path=${encodeURIComponent(path)}`);
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  const repeat = Number(params.get('repeat') ?? 5);
  const models = await runModelSuite({ ort, Model, manifest, readBytes, repeat, log, where });
  log(JSON.stringify(models));
  window.benchResult = { ...kernels, ...models };
} catch (e) {
  log(`failed: ${e.stack ?? e}`);
  window.benchError = String(e.message ?? e);
}
