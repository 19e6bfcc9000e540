// The calling side of the worker the package manages (index.js in browsers, index.node.js with
// worker_threads): one worker, started on first use with the WebAssembly.Module this thread
// already compiled (so the wasm is fetched and compiled once), running one call at a time from a
// queue. Progress messages reach the caller's onProgress; an AbortSignal removes a queued call or
// terminates the worker running it (the next call starts a fresh one); results come back with
// their buffers transferred, and inputs are transferred too when the caller asks (`transfer`).
// A worker whose wasm trapped (out of memory, most often) is replaced the same way.
//
// `spawn()` returns an adapter { post(message, transfer), terminate(), onmessage, onerror }.
// Protocol (worker_core.js on the other side):
//   → { type: "init", module, info }            → { type: "call", id, fn, args, progress }
//   ← { type: "progress", id, progress }         ← { type: "result", id, ok, value | error }
//   ← { type: "failed", error } (the worker could not load pare)

import { PareError, errorFromMessage } from "./errors.js";

/** The ArrayBuffers a value's views and buffers own whole (a view into a larger buffer, such as
 * a Node Buffer from the pool, is copied instead: transferring it would take the rest along). */
export function transferables(value, out = new Set()) {
  if (value === null || typeof value !== "object") return out;
  if (value instanceof ArrayBuffer) {
    out.add(value);
  } else if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) out.add(value.buffer);
  } else if (value instanceof Map) {
    for (const v of value.values()) transferables(v, out);
  } else if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === "object") transferables(v, out);
  } else {
    for (const v of Object.values(value)) transferables(v, out);
  }
  return out;
}

const abortError = (signal) =>
  new PareError(`aborted${signal?.reason instanceof Error ? `: ${signal.reason.message}` : ""}`, "aborted", { cause: signal?.reason });

export class WorkerClient {
  /** `spawn()` starts a worker; `compiled` is { module, info } from core.compiledModule(). */
  constructor(spawn, compiled, describe) {
    this.spawn = spawn;
    this.compiled = compiled;
    this.describe = describe; // "the worker at URL", for messages
    this.worker = null;
    this.queue = [];
    this.current = null;
    this.nextId = 1;
  }

  /** Runs `fn(...args)` in the worker. Resolves with its result; rejects with a PareError, or
   * with what `onProgress` threw. */
  call(fn, args, { onProgress, signal, transfer } = {}) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const job = { id: this.nextId++, fn, args, onProgress, signal, transfer, resolve, reject };
      if (signal) {
        job.onAbort = () => this.abort(job, abortError(signal));
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Ends the worker (pending calls reject with "aborted"). */
  terminate() {
    const error = new PareError("pare's worker was terminated", "aborted");
    for (const job of [this.current, ...this.queue]) if (job) this.settle(job, error, false);
    this.queue = [];
    this.current = null;
    this.kill();
  }

  settle(job, value, ok) {
    job.signal?.removeEventListener("abort", job.onAbort);
    if (ok) job.resolve(value);
    else job.reject(value);
  }

  abort(job, error) {
    if (this.current === job) {
      this.current = null;
      this.kill(); // the only way to stop wasm in the middle of a call
      this.settle(job, error, false);
      this.pump();
    } else {
      const i = this.queue.indexOf(job);
      if (i >= 0) {
        this.queue.splice(i, 1);
        this.settle(job, error, false);
      }
    }
  }

  kill() {
    this.worker?.terminate();
    this.worker = null;
  }

  start() {
    const worker = this.spawn();
    worker.onmessage = (data) => this.receive(worker, data);
    worker.onerror = (message) => this.failed(worker, message);
    worker.post({ type: "init", module: this.compiled.module, info: this.compiled.info });
    this.worker = worker;
  }

  /** The worker could not start, or could not load pare: every call fails, the next one that
   * comes tries a fresh worker. */
  failed(worker, message) {
    if (worker !== this.worker) return;
    this.worker = null;
    worker.terminate();
    const error = new PareError(
      `pare's worker (${this.describe}) could not start or stopped: ${message}. A bundler must emit the package's ` +
        "worker: see the README, \"Using pare with a bundler\" (ready({ workerUrl }), or ready({ worker: false }) to run on this thread)",
      "load-failed",
    );
    for (const job of [this.current, ...this.queue]) if (job) this.settle(job, error, false);
    this.current = null;
    this.queue = [];
  }

  pump() {
    if (this.current) return;
    if (!this.queue.length) {
      this.worker?.busy?.(false);
      return;
    }
    const job = this.queue.shift();
    this.current = job;
    try {
      if (!this.worker) this.start();
      const transfer = job.transfer ? [...transferables(job.args)] : [];
      this.worker.post({ type: "call", id: job.id, fn: job.fn, args: job.args, progress: typeof job.onProgress === "function" }, transfer);
      this.worker.busy?.(true);
    } catch (e) {
      this.current = null;
      this.settle(job, e instanceof PareError ? e : new PareError(`cannot send the call to pare's worker: ${e?.message ?? e}`, "bad-argument", { cause: e }), false);
      this.pump();
    }
  }

  receive(worker, data) {
    if (worker !== this.worker) return;
    if (data.type === "failed") {
      this.failed(worker, data.error.message);
      return;
    }
    const job = this.current;
    if (!job || data.id !== job.id) return;
    if (data.type === "progress") {
      try {
        job.onProgress?.(data.progress);
      } catch (e) {
        // The caller's exception stops the call and comes back unchanged.
        this.current = null;
        this.kill();
        this.settle(job, e, false);
        this.pump();
      }
      return;
    }
    this.current = null;
    if (data.ok) {
      this.settle(job, data.value, true);
    } else {
      const error = errorFromMessage(data.error);
      if (error.kind === "wasm-trap") {
        this.kill(); // its memory may be inconsistent; the next call gets a fresh worker
        error.message = error.message.replace(/load pare afresh.*$/, "pare replaces its worker, so the next call starts afresh");
      }
      this.settle(job, error, false);
    }
    this.pump();
  }
}
