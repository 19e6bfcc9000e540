// The entry point of the npm package `pare` in Node (package.json's "node" condition): the same
// API as index.js, with the wasm read from the file system (core.js, platform.node.js) and, when
// asked (ready({ worker: true }) or a call's { worker: true }), a worker_threads worker
// (worker.node.js). By default calls run inline: a Node program has no page to keep responsive,
// and the CLI (cli.mjs) uses the synchronous core directly.

import { Worker } from "node:worker_threads";

import { createApi } from "./api.js";
import * as platform from "./platform.node.js";

export { inspect, pack, decode, randomInputs, recipeNeedsCalibration, compressCommand, Model, simdLevel, simdInfo } from "./core.js";
export { PareError, PARE_ERROR_KINDS } from "./errors.js";

function spawn(workerUrl) {
  const worker = new Worker(workerUrl ?? new URL("./worker.node.js", import.meta.url));
  worker.unref(); // an idle worker does not keep the process alive; busy() refs it while it works
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    terminate: () => void worker.terminate(),
    busy: (busy) => (busy ? worker.ref() : worker.unref()),
    set onmessage(handler) {
      worker.on("message", handler);
    },
    set onerror(handler) {
      worker.on("error", (e) => handler(e?.message ?? String(e)));
      worker.on("exit", (code) => handler(`the worker exited (code ${code})`));
    },
  };
}

const api = createApi({
  platform,
  spawn,
  workerByDefault: false,
  describeWorker: (url) => (url ? String(url) : "worker.node.js next to pare's index.node.js"),
});

/** Loads pare; call (and await) once before anything else. Resolves to simdInfo(). */
export const ready = api.ready;
export default ready;
export const { compress, compressJob, inputSizes, compare, run, analyze, terminateWorker } = api;
