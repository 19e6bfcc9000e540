// The worker side of the package's managed worker (client.js has the protocol): loads the module
// the calling thread compiled, runs one call at a time with the synchronous core (core.js),
// posts progress while it works and the result with its buffers transferred. Used by worker.js
// (browsers, `pare/worker`) and worker.node.js (Node's worker_threads).

import { analyze, compare, compress, compressJob, inputSizes, inspect, loadCompiled, randomInputs, run } from "./core.js";
import { errorToMessage } from "./errors.js";
import { transferables } from "./client.js";

const FUNCTIONS = { analyze, compare, compress, compressJob, inputSizes, inspect, randomInputs, run };
/** Which argument holds the options that take onProgress. */
const OPTIONS_ARGUMENT = { compress: 2, compressJob: 2, compare: 2 };

/** Serves calls on `port`: { post(message, transfer), set onmessage(handler(data)) }. */
export function serve(port) {
  let ready = null;
  port.onmessage = async (data) => {
    if (data.type === "init") {
      ready = loadCompiled(data.module, data.info);
      ready.catch((e) => port.post({ type: "failed", error: errorToMessage(e) }));
      return;
    }
    if (data.type !== "call") return;
    const { id, fn, args, progress } = data;
    try {
      if (!ready) throw new Error("pare's worker got a call before its init message");
      await ready;
      const call = FUNCTIONS[fn];
      if (!call) throw new Error(`unknown function ${fn}`);
      const at = OPTIONS_ARGUMENT[fn];
      if (progress && at !== undefined) {
        args[at] = { ...(args[at] ?? {}), onProgress: (p) => port.post({ type: "progress", id, progress: p }) };
      }
      const value = call(...args);
      port.post({ type: "result", id, ok: true, value }, [...transferables(value)]);
    } catch (e) {
      port.post({ type: "result", id, ok: false, error: errorToMessage(e) });
    }
  };
}
