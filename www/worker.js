// The page's wasm work, off the main thread so the page stays responsive (and can be cancelled by
// terminating this worker). A module worker: it loads pare through the npm package's
// synchronous entry, ./pkg/sync.js (`pare/sync`: this worker is the page's own, so it needs no
// worker of the package's), which picks the relaxed-SIMD build where the browser runs it correctly.
//
// Messages in:  { id, kind: "open", bytes }
//               { id, kind: "compress", bytes, recipe, samples, compareInputs, analysis }
//                 samples: { random: { seed, samples, dims?, shapes? } } | { arrays: { name: tensor } }
//                          | { images: File[], layout, mean, std } (images.js)
//                 compareInputs: like samples but not random, or null (then pare's compressJob
//                 compares on the first 16 calibration samples, else on 16 random ones)
//               { id, kind: "pack", bytes }: the .pare container of a compressed model (pare's pack)
// Results: "open" → { summary, analysis, analysisError, runError, sizes (inputSizes), sizesError };
//   "compress" → compressJob's { model, report, recipe, steps, warnings }, with comparison/compareError,
//   inputSizes (the sizes random samples got) and the page's own analysis, latency, predictions;
//   "pack" → pack's { container, report } (report: onnxBytes, containerBytes, …).
// Messages out: { ready: true } once the wasm module is loaded (or { ready: false, error }),
//               { id, progress: { phase, stage, done, total, step, steps } } while working,
//               { id, ok: true, result } or { id, ok: false, error, kind } at the end (kind: the
//               PareError's, see pkg/index.d.ts PareErrorKind, or null); with image
//               inputs, result.predictions holds both models' top classes per image (predict.js).

import init, { inspect, analyze, compressJob, inputSizes, recipeNeedsCalibration, pack, Model } from "./pkg/sync.js";
import { firstSamples } from "./npz.js";
import { imagesToTensor } from "./images.js";
import { imagePredictions } from "./predict.js";

const message = (e) => (e instanceof Error ? e.message : String(e));

/** The message of a failure the job may go on after (the analysis, the comparison, latency);
 * a trapped wasm module is not one: every later call would fail too, so the job fails. */
function survivable(e) {
  if (e?.kind === "wasm-trap") throw e;
  return message(e);
}

function post(id, progress) {
  self.postMessage({ id, progress });
}

/** What the page shows for a freshly opened model: summary, full analysis, whether pare runs it. */
function open(bytes) {
  const summary = inspect(bytes);
  let analysis = null;
  let analysisError = null;
  try {
    analysis = analyze(bytes);
  } catch (e) {
    analysisError = survivable(e);
  }
  let runError = null;
  try {
    new Model(bytes).free();
  } catch (e) {
    runError = survivable(e);
  }
  // The sizes random samples get (symbolic dims resolved with a few trial runs), which prefill
  // the Dimensions field.
  let sizes = null;
  let sizesError = null;
  if (!runError) {
    try {
      sizes = inputSizes(bytes, { messages: "page" });
    } catch (e) {
      sizesError = survivable(e);
    }
  }
  return { summary, analysis, analysisError, runError, sizes, sizesError };
}

const TYPED = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, bfloat16: Uint16Array,
  int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, bool: Uint8Array,
};

/** One input set for timing: the first sample of `arrays`, else values in [-1, 1) (zeros for
 * integer inputs) shaped as `inputShapes` says (the sizes the random samples got, pare's
 * inputSizes) or as the analysis ran the model. */
function latencyInputs(analysis, arrays, inputShapes) {
  if (arrays) return firstSamples(arrays, 1);
  const inputs = analysis?.shapes?.inputs?.map((i) => ({ ...i, shape: inputShapes?.[i.name] ?? i.shape }));
  if (!inputs) throw new Error("no input shapes to time the model with");
  const out = {};
  let state = 12345;
  for (const { name, dtype, shape } of inputs) {
    const Ctor = TYPED[dtype];
    if (!Ctor) throw new Error(`cannot make a ${dtype} input \`${name}\` for timing`);
    const count = shape.reduce((a, b) => a * b, 1);
    const data = new Ctor(count);
    if (data instanceof Float32Array || data instanceof Float64Array) {
      for (let i = 0; i < count; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        data[i] = state / 2 ** 31 - 1;
      }
    }
    out[name] = { dtype, shape, data };
  }
  return out;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Median wall time (ms) of one `run` of the original and the compressed model. Each timing
 * covers enough back-to-back runs to last about 20 ms (a worker's clock is coarse, 0.1 ms in
 * Chromium), and the two models alternate so a busy machine slows both alike. */
function measureLatency(id, originalBytes, compressedBytes, inputs) {
  const models = [new Model(originalBytes), new Model(compressedBytes)];
  try {
    const time = (i, reps) => {
      const started = performance.now();
      for (let r = 0; r < reps; r++) models[i].run(inputs);
      return (performance.now() - started) / reps;
    };
    post(id, { phase: "latency", stage: "warm-up", done: 0, total: 0 });
    const first = Math.max(time(0, 1), time(1, 1), 0.05);
    const reps = Math.max(1, Math.min(1000, Math.round(20 / first)));
    const timings = Math.max(3, Math.min(9, Math.floor(2000 / (first * reps * 2))));
    const times = [[], []];
    for (let t = 0; t < timings; t++) {
      post(id, { phase: "latency", stage: "latency", done: t, total: timings });
      times[0].push(time(0, reps));
      times[1].push(time(1, reps));
    }
    return { runs: timings * reps, timings, runs_per_timing: reps, original_ms: median(times[0]), compressed_ms: median(times[1]) };
  } finally {
    for (const m of models) m.free();
  }
}

/** A sample source as stacked arrays: { arrays } as is, { images, layout, mean, std } decoded. */
async function arraysOf(id, source, what) {
  if (!source) return null;
  if (source.arrays) return source.arrays;
  post(id, { phase: "prepare", stage: `decoding ${source.images.length} ${what} images`, done: 0, total: 0 });
  return imagesToTensor(source.images, source.layout, source);
}

/** The shapes random samples get (pare's input-size resolver, `inputSizes`) as { name: shape }. */
const shapesOf = (sizes) => (sizes ? Object.fromEntries(sizes.inputs) : null);

async function runCompress(id, { bytes, recipe, samples: samplesSource, compareInputs: compareSource, analysis }) {
  const samples = samplesSource.random ? samplesSource : { arrays: await arraysOf(id, samplesSource, "calibration") };
  const compareInputs = await arraysOf(id, compareSource, "comparison");
  const started = performance.now();
  // Compress, then compare on held-back samples: one call, decided in Rust (pare::workflow), as
  // in both CLIs. Comparison samples: the uploaded comparison inputs, else the first 16
  // calibration samples, else 16 seeded random ones at sizes the model runs on.
  // Progress: pare's phase "compress" while the steps run, then "compare"; hints name the page's
  // controls (messages: "page"), not the CLI's flags.
  const options = { onProgress: (p) => post(id, p), messages: "page" };
  const { seed = 0, dims, shapes } = samples.random ?? {};
  options.random = { seed, ...(dims && { dims }), ...(shapes && { shapes }) };
  let calibrationSamples = null; // as `pare compress --report` says it
  if (samples.arrays) {
    options.calibration = samples.arrays;
    calibrationSamples = Object.values(samples.arrays)[0]?.shape[0] ?? null;
  } else if (recipeNeedsCalibration(recipe, "random")) {
    // Random calibration samples are made only for the steps that read them (pare decides:
    // Recipe::reads_samples; a recipe that does not parse throws, and compressJob would too).
    options.calibrationRandom = samples.random;
    calibrationSamples = samples.random.samples;
  }
  if (compareInputs) {
    options.compareInputs = compareInputs;
    options.compareSource = "the uploaded comparison inputs";
  }
  const job = compressJob(bytes, recipe, options);
  const { model, report, recipe: applied, warnings, steps } = job;
  const comparison = job.compare ?? null;
  const compareError = job.compareError ?? null;
  const compressMs = performance.now() - started; // compressJob: compress, then compare
  // The sizes the random samples got: the comparison's (compressJob reports them), else those
  // random calibration samples were made at (the same resolver, the same dims).
  let sizes = job.inputSizes ?? null;
  let sizesError = null;
  if (!sizes && !samples.arrays) {
    try {
      sizes = inputSizes(bytes, { ...(dims && { dims }), ...(shapes && { shapes }), messages: "page" });
    } catch (e) {
      sizesError = survivable(e);
    }
  }

  post(id, { phase: "analyze", stage: "analyze", done: 0, total: 1 });
  let analysisAfter = null;
  try {
    analysisAfter = analyze(model);
  } catch (e) {
    survivable(e); // the summary then shows sizes only
  }
  let latency = null;
  let latencyError = null;
  try {
    latency = measureLatency(id, bytes, model, latencyInputs(analysis, compareInputs ?? samples.arrays, shapesOf(sizes)));
  } catch (e) {
    latencyError = survivable(e);
  }
  // Both models' top classes per image when the inputs were images (predict.js), for the page.
  const predictions = imagePredictions(
    bytes,
    model,
    { compare: compareSource, compareArrays: compareInputs, calibration: samplesSource, calibrationArrays: samples.arrays },
    (done, total) => post(id, { phase: "compare", stage: "predictions", done, total }),
  );
  return {
    result: {
      model, report, recipe: applied, steps, calibrationSamples, comparison, compareError, warnings, inputSizes: sizes, sizesError,
      analysisAfter, latency, latencyError, compressMs, predictions,
    },
    transfer: [model.buffer],
  };
}

const ready = init();

self.onmessage = async ({ data }) => {
  const { id, kind } = data;
  try {
    await ready;
    if (kind === "open") {
      self.postMessage({ id, ok: true, result: open(data.bytes) });
    } else if (kind === "compress") {
      const { result, transfer } = await runCompress(id, data);
      self.postMessage({ id, ok: true, result }, transfer);
    } else if (kind === "pack") {
      const { container, report } = pack(data.bytes);
      self.postMessage({ id, ok: true, result: { container, report } }, [container.buffer]);
    } else {
      throw new Error(`unknown request ${kind}`);
    }
  } catch (e) {
    self.postMessage({ id, ok: false, error: message(e), kind: typeof e?.kind === "string" ? e.kind : null });
  }
};

try {
  await ready;
  self.postMessage({ ready: true });
} catch (e) {
  self.postMessage({ ready: false, error: message(e) });
}
