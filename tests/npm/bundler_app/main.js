// A page of an app that uses pare as a user would, bundled by Vite, esbuild and webpack
// (tests/npm/bundlers.test.mjs): ready() with the options this bundler needs (pare-options.js,
// written by the test), INT8 static compression of the MNIST CNN in pare's own worker with
// progress, an aborted call, then the same compression inside a module Worker of the app's own
// (app-worker.js). The outcome lands in window.result for the test to read.

import { ready, compress, simdInfo } from "pare";
import options from "./pare-options.js";

const RECIPE = { steps: [{ quantize: { mode: "static" } }] };

async function main() {
  const info = await ready(options.page);
  const bytes = new Uint8Array(await (await fetch("./mnist.onnx")).arrayBuffer());
  const stages = new Set();
  const { model, report } = await compress(bytes, RECIPE, {
    calibrationRandom: { samples: 8 },
    onProgress: (p) => stages.add(p.stage),
  });
  const controller = new AbortController();
  const aborted = compress(bytes, RECIPE, { calibrationRandom: { samples: 64 }, signal: controller.signal });
  controller.abort();
  const abortKind = await aborted.then(() => "not aborted", (e) => e.kind);

  const worker = new Worker(new URL("./app-worker.js", import.meta.url), { type: "module" });
  const fromWorker = await new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => resolve({ error: `app worker failed: ${event.message}` });
    worker.postMessage(bytes);
  });
  return {
    info,
    level: simdInfo().level,
    before: report.before.bytes,
    after: report.after.bytes,
    modelBytes: model.length,
    stages: [...stages],
    abortKind,
    worker: fromWorker,
  };
}

main().then(
  (result) => {
    window.result = result;
    document.getElementById("status").textContent = "done";
  },
  (e) => {
    window.result = { error: String(e?.stack ?? e), kind: e?.kind };
    document.getElementById("status").textContent = "failed";
  },
);
