// The worker the package starts in browsers (`pare/worker`): index.js creates it with
// `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`, which Vite and
// webpack bundle as a worker chunk; with another bundler, bundle `pare/worker` as an entry of its
// own and pass its URL as ready({ workerUrl }). It receives the compiled wasm module from the
// page, so it fetches nothing itself. Protocol: client.js.

import { serve } from "./worker_core.js";

serve({
  post: (message, transfer) => self.postMessage(message, transfer ?? []),
  set onmessage(handler) {
    self.onmessage = (event) => handler(event.data);
  },
});
