// A module Worker of the app's own that uses pare: inside a worker, compress runs inline (pare
// starts no nested worker). Replies with the compressed size or the error.

import { ready, compress, simdInfo } from "pare";
import options from "./pare-options.js";

self.onmessage = async ({ data: bytes }) => {
  try {
    await ready(options.worker);
    const { report } = await compress(bytes, { steps: [{ quantize: { mode: "static" } }] }, { calibrationRandom: { samples: 8 } });
    self.postMessage({ after: report.after.bytes, level: simdInfo().level });
  } catch (e) {
    self.postMessage({ error: String(e?.stack ?? e), kind: e?.kind });
  }
};
