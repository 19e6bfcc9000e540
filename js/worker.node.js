// The worker_threads worker the package starts in Node when asked (ready({ worker: true }) or a
// call's { worker: true }): the same protocol as the browser's worker.js (client.js).

import { parentPort } from "node:worker_threads";

import { serve } from "./worker_core.js";

serve({
  post: (message, transfer) => parentPort.postMessage(message, transfer ?? []),
  set onmessage(handler) {
    parentPort.on("message", handler);
  },
});
