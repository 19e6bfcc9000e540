// The Promise-returning API both entry points export (index.js for browsers and bundlers,
// index.node.js for Node): compress, compare, run and analyze run in a worker the package manages
// (client.js) by default in a browser's main thread, inline (still returning a Promise) in Node
// and inside a worker of the caller's own; `{ worker: true | false }` on a call or in ready()
// overrides it. Each call takes `signal` (an AbortSignal: a queued call is dropped, a running one
// stops by terminating its worker; inline, the signal is checked before and after), `transfer`
// (move the input buffers to the worker instead of copying them) and, for compress, compressJob
// and compare, `onProgress`; compressJob and inputSizes run the same way. inspect, randomInputs,
// compressCommand and Model stay synchronous and run on the calling thread.

import * as core from "./core.js";
import { WorkerClient } from "./client.js";
import { PareError, checkUsable } from "./errors.js";
import { ASYNC_OPTIONS, OPTIONS, checkOptions, compareOptions, compressJobOptions, compressOptions, describeValue, normalizeTensors } from "./options.js";

const abortError = (signal) =>
  new PareError(`aborted${signal?.reason instanceof Error ? `: ${signal.reason.message}` : ""}`, "aborted", { cause: signal?.reason });

function checkSignal(signal) {
  if (signal === undefined) return;
  if (signal === null || typeof signal !== "object" || typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function") {
    throw new PareError(`\`signal\` must be an AbortSignal, got ${describeValue(signal)}`, "bad-argument");
  }
}

function checkBoolean(value, what) {
  if (value !== undefined && typeof value !== "boolean") throw new PareError(`\`${what}\` must be a boolean, got ${describeValue(value)}`, "bad-argument");
}

/** `platform`: { compile } (core.js); `spawn(workerUrl)`: a worker adapter (client.js);
 * `workerByDefault`: whether calls go to a worker unless told otherwise. */
export function createApi({ platform, spawn, workerByDefault, describeWorker }) {
  let readying = null;
  let settings = { worker: workerByDefault, workerUrl: undefined };
  let client = null;

  /** Loads pare (core.loadCore) and notes how calls run; the first call's options count. */
  function ready(options) {
    readying ??= (async () => {
      const o = options ?? {};
      if (o !== null && typeof o === "object") {
        checkBoolean(o.worker, "worker");
        if (o.workerUrl !== undefined && typeof o.workerUrl !== "string" && typeof o.workerUrl?.href !== "string") {
          throw new PareError(`ready({ workerUrl }) must be a string or a URL, got ${describeValue(o.workerUrl)}`, "bad-argument");
        }
        settings = { worker: o.worker ?? (o.workerUrl !== undefined ? true : workerByDefault), workerUrl: o.workerUrl };
      }
      return core.loadCore(o, platform);
    })().catch((e) => {
      readying = null;
      throw e;
    });
    return readying;
  }

  function workerClient() {
    client ??= new WorkerClient(() => spawn(settings.workerUrl), core.compiledModule(), describeWorker(settings.workerUrl));
    return client;
  }

  /** Runs core[fn](...args) in the worker or inline. `args` are checked and normalized already;
   * `at` is the index of the options argument that may hold onProgress. */
  async function call(fn, args, at, { signal, worker, transfer }) {
    checkUsable(() => core.simdLevel() !== null);
    if (worker ?? settings.worker) {
      let onProgress;
      if (at !== undefined && args[at]?.onProgress !== undefined) {
        ({ onProgress } = args[at]);
        if (typeof onProgress !== "function") throw new PareError(`\`onProgress\` must be a function, got ${describeValue(onProgress)}`, "bad-argument");
        const { onProgress: _, ...rest } = args[at];
        args[at] = rest;
      }
      return workerClient().call(fn, args, { onProgress, signal, transfer });
    }
    if (signal?.aborted) throw abortError(signal);
    await null; // the call starts after the caller's synchronous code, as it would in a worker
    if (signal?.aborted) throw abortError(signal);
    const result = core[fn](...args);
    if (signal?.aborted) throw abortError(signal);
    return result;
  }

  /** Splits the async options from a function's own after checking every key. */
  function split(options, own, what) {
    const { signal, worker, transfer, ...rest } = checkOptions(options, [...own, ...ASYNC_OPTIONS], what);
    checkSignal(signal);
    checkBoolean(worker, "worker");
    checkBoolean(transfer, "transfer");
    return [rest, { signal, worker, transfer }];
  }

  return {
    ready,
    /** Compresses a model with a recipe; resolves to { model, report, recipe }. */
    async compress(bytes, recipe, options) {
      const [own, how] = split(options, OPTIONS.compress, "compress options");
      return call("compress", [bytes, recipe, compressOptions(recipe, own)], 2, how);
    },
    /** Compresses, then compares on held-back samples; resolves to { model, report, recipe,
     * compare?, compareError?, inputSizes?, warnings }. */
    async compressJob(bytes, recipe, options) {
      const [own, how] = split(options, OPTIONS.compressJob, "compressJob options");
      return call("compressJob", [bytes, recipe, compressJobOptions(recipe, own)], 2, how);
    },
    /** The sizes random samples get for the model's inputs (a few trial runs), and why. */
    async inputSizes(bytes, options) {
      const [own, how] = split(options, OPTIONS.inputSizes, "inputSizes options");
      return call("inputSizes", [bytes, own], undefined, how);
    },
    /** Compares two models on the same samples; resolves to the CompareReport. */
    async compare(reference, candidate, options) {
      const [own, how] = split(options, OPTIONS.compare, "compare options");
      return call("compare", [reference, candidate, compareOptions(own)], 2, how);
    },
    /** Runs a model once; resolves to its outputs. */
    async run(bytes, inputs, options) {
      const [, how] = split(options, OPTIONS.run, "run options");
      return call("run", [bytes, normalizeTensors(inputs)], undefined, how);
    },
    /** The full analysis `pare inspect --json` prints. */
    async analyze(bytes, options) {
      const [, how] = split(options, OPTIONS.analyze, "analyze options");
      return call("analyze", [bytes], undefined, how);
    },
    /** Ends the managed worker, if one runs (its pending calls reject with "aborted"); the next
     * call starts a fresh one. */
    terminateWorker() {
      client?.terminate();
    },
  };
}
