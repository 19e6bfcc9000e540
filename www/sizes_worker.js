// The worker of the page's size comparison (main.js, "Compare with gzip -9 and brotli -11"): started
// only when the user asks for it, it loads ./pare_sizes.wasm (sizes.js) and nothing of pare, so the
// minute brotli -11 may take on a large model never holds up pare's own worker, and stopping the
// comparison terminates this worker alone. The protocol is worker.js's (client.js drives both):
//
// Messages in:  { id, kind: "gzip" | "brotli", bytes }
// Messages out: { ready: true } once the wasm is loaded (or { ready: false, error }),
//               { id, progress: { phase: "brotli", stage, done, total } } while brotli runs,
//               { id, ok: true, result: bytes } (the size) or { id, ok: false, error, kind: null }.

import { loadSizes } from "./sizes.js";

const ready = loadSizes();
const message = (e) => (e instanceof Error ? e.message : String(e));

self.onmessage = async ({ data }) => {
  const { id, kind, bytes } = data;
  try {
    const sizes = await ready;
    let result;
    if (kind === "gzip") {
      result = sizes.gzip9(bytes);
    } else if (kind === "brotli") {
      self.postMessage({ id, progress: { phase: "brotli", stage: "brotli -11", done: 0, total: bytes.length } });
      result = sizes.brotli11(bytes, (done, total) => self.postMessage({ id, progress: { phase: "brotli", stage: "brotli -11", done, total } }));
    } else {
      throw new Error(`unknown request ${kind}`);
    }
    self.postMessage({ id, ok: true, result });
  } catch (e) {
    self.postMessage({ id, ok: false, error: message(e), kind: null });
  }
};

try {
  await ready;
  self.postMessage({ ready: true });
} catch (e) {
  self.postMessage({ ready: false, error: message(e) });
}
