// `pare/sync`: the synchronous API on the calling thread, for code that already runs off a page's
// main thread (a worker of its own, such as the web page's worker.js). The same functions as
// "pare", but compress, compare, run and analyze return their results directly; errors are the
// same PareErrors. Node gets sync.node.js (the wasm read from the file system).

import { fetchAndCompile, loadCore } from "./core.js";

export { inspect, pack, decode, analyze, run, randomInputs, recipeNeedsCalibration, compress, compressJob, inputSizes, compressCommand, compare, Model, simdLevel, simdInfo } from "./core.js";
export { PareError, PARE_ERROR_KINDS } from "./errors.js";

/** Loads pare into this thread; call (and await) once. Resolves to simdInfo(). */
export function ready(options) {
  return loadCore(options, { compile: fetchAndCompile });
}
export default ready;
