// The entry point of the npm package `pare` for browsers, workers, bundlers and any runtime with
// `fetch` (package.json's "browser", "import" and "default" conditions; Node gets index.node.js).
// No Node module is imported here or below, so a browser bundle never meets `node:fs`.
//
//   import { ready, compress } from "pare";
//   await ready();                                   // once; loads the one wasm build this engine runs
//   const { model, report } = await compress(bytes, { steps: [{ quantize: { mode: "static" } }] },
//     { calibrationRandom: { samples: 16 }, onProgress: console.log, signal });
//
// compress, compressJob, inputSizes, compare, run and analyze return Promises and run in a worker
// the package starts (on a page's main thread; inside a worker of your own they run inline);
// inspect, pack, decode (the .pare container), randomInputs, compressCommand and Model are synchronous. `pare/sync` has the synchronous versions of everything, for code that
// already runs in a worker of its own. Loading options, errors and the worker: core.js, api.js,
// client.js; the README's "Using pare with a bundler" has the bundler configurations.

import { createApi } from "./api.js";
import { fetchAndCompile } from "./core.js";

export { inspect, pack, decode, randomInputs, recipeNeedsCalibration, compressCommand, Model, simdLevel, simdInfo } from "./core.js";
export { PareError, PARE_ERROR_KINDS } from "./errors.js";

/** The worker: the package's own worker.js (bundlers see this literal form and emit it as a
 * worker chunk), or the URL given as ready({ workerUrl }). */
function spawn(workerUrl) {
  const worker = workerUrl
    ? new Worker(workerUrl, { type: "module" })
    : new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    terminate: () => worker.terminate(),
    set onmessage(handler) {
      worker.onmessage = (event) => handler(event.data);
    },
    set onerror(handler) {
      worker.onerror = (event) => {
        event.preventDefault?.();
        handler(event.message || "the worker script failed to load");
      };
      worker.onmessageerror = () => handler("a message could not be read");
    },
  };
}

// In a page's main thread calls go to a worker; inside a worker they run inline (already off the
// page's thread); where there is no Worker at all, inline too.
const onMainThread = typeof Worker === "function" && typeof document !== "undefined";

const api = createApi({
  platform: { compile: fetchAndCompile },
  spawn,
  workerByDefault: onMainThread,
  describeWorker: (url) => (url ? String(url) : "worker.js next to pare's index.js"),
});

/** Loads pare; call (and await) once before anything else. Resolves to simdInfo(). */
export const ready = api.ready;
export default ready;
export const { compress, compressJob, inputSizes, compare, run, analyze, terminateWorker } = api;
