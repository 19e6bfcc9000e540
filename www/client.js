// The page side of worker.js, shared by the app (main.js) and the docs embed (embed.js): starts
// the worker, sends requests and routes their progress and results back, and cancels by
// terminating the worker (whatever it is doing: loading the wasm package, opening a model or
// compressing) and starting a fresh one. A request that failed because the wasm module trapped
// (kind "wasm-trap": out of memory, most often) also gets a fresh worker, so the next one works.

/** The error a cancelled request rejects with. */
export class Cancelled extends Error {}

/** A failed request: pare's message and its PareError kind (pkg/index.d.ts), or null. */
export class JobError extends Error {
  constructor(message, kind) {
    super(message);
    this.kind = kind ?? null;
  }
}

/** What the page says for a failure: the message, plus what to do for the kinds that need it. */
export function explain(e) {
  const text = e instanceof Error ? e.message : String(e);
  if (e?.kind === "wasm-trap") {
    // The loader's message tells an API user to load pare afresh; the page has done that.
    const trap = /stopped \(([^)]*)\)/.exec(text)?.[1] ?? "trapped";
    return `pare ran out of memory on this model (or hit a bug: WebAssembly stopped with "${trap}") and was ` +
      "restarted. A browser tab gives WebAssembly at most 4 GiB, and pare needs several times the model's size; " +
      "for a model this large use the native CLI (cargo build --release --bin pare).";
  }
  return text;
}

export class PareWorker {
  /** `script`: the worker to run, worker.js by default (main.js also drives sizes_worker.js,
   * which speaks the same protocol). */
  constructor(script = new URL("./worker.js", import.meta.url)) {
    this.script = script;
    this.nextId = 1;
    this.pending = new Map(); // id → { resolve, reject, onProgress }
    this.start();
  }

  /** Starts the worker; `this.ready` settles once it has loaded the wasm package. */
  start() {
    const worker = new Worker(this.script, { type: "module" });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if ("ready" in data) {
          if (data.ready) resolve();
          else reject(new Error(`Loading the wasm package failed: ${data.error}. Run \`make serve\` to build it.`));
          return;
        }
        const job = this.pending.get(data.id);
        if (!job) return;
        if (data.progress) {
          job.onProgress?.(data.progress);
          return;
        }
        this.pending.delete(data.id);
        if (data.ok) {
          job.resolve(data.result);
        } else {
          job.reject(new JobError(data.error, data.kind));
          if (data.kind === "wasm-trap") this.restart(new JobError(data.error, data.kind));
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const error = new Error(`The worker failed: ${event.message || "it could not start"}`);
        reject(error);
        for (const job of this.pending.values()) job.reject(error);
        this.pending.clear();
      };
    });
    this.ready.catch(() => {});
  }

  /** Sends `{ kind, ...payload }`; resolves with the worker's result, `onProgress` sees its
   * progress messages. */
  request(kind, payload, onProgress) {
    const id = this.nextId++;
    const { worker, ready } = this;
    return new Promise((resolve, reject) => {
      // Pending from now on, so a cancel while the wasm package still loads rejects it too.
      this.pending.set(id, { resolve, reject, onProgress });
      ready.then(
        () => {
          if (this.pending.has(id) && worker === this.worker) worker.postMessage({ id, kind, ...payload });
        },
        (error) => {
          if (this.pending.delete(id)) reject(error);
        },
      );
    });
  }

  /** Stops whatever the worker does: terminate it, fail its jobs, start a fresh one. */
  cancel() {
    this.restart(new Cancelled("Cancelled."));
  }

  /** Terminates the worker, rejects its jobs with `error` and starts a fresh one. */
  restart(error) {
    this.worker.terminate();
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
    this.start();
  }

  /** Ends the worker for good (an embed element leaving the page). */
  close() {
    this.worker.terminate();
    for (const job of this.pending.values()) job.reject(new Cancelled("Closed."));
    this.pending.clear();
  }
}
