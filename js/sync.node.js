// `pare/sync` in Node: sync.js with the wasm read from the file system (platform.node.js).

import { loadCore } from "./core.js";
import * as platform from "./platform.node.js";

export { inspect, pack, decode, analyze, run, randomInputs, recipeNeedsCalibration, compress, compressJob, inputSizes, compressCommand, compare, Model, simdLevel, simdInfo } from "./core.js";
export { PareError, PARE_ERROR_KINDS } from "./errors.js";

/** Loads pare into this thread; call (and await) once. Resolves to simdInfo(). */
export function ready(options) {
  return loadCore(options, platform);
}
export default ready;
